import type { Container } from './container.ts';

let current: Promise<Container> | undefined;
let factory: (() => Promise<Container>) | undefined;

/**
 * The process's container: built once per cold start on Lambda (from the environment and Secrets
 * Manager); registered by the local stack everywhere else.
 */
export function getContainer(): Promise<Container> {
  if (!current) {
    if (!factory && process.env.AWS_LAMBDA_FUNCTION_NAME) {
      factory = () => import('./aws-container.ts').then((m) => m.awsContainer());
    }
    if (!factory) throw new Error('No container: the runtime was not configured (setContainerFactory)');
    current = factory();
    current.catch(() => {
      current = undefined;
    });
  }
  return current;
}

export function setContainerFactory(make: () => Promise<Container>): void {
  factory = make;
  current = undefined;
}

export function useContainer(container: Container): void {
  current = Promise.resolve(container);
}
