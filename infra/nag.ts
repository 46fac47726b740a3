import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges one cdk-nag AwsSolutions finding on a construct (and its children). `rule` is the id
 * without the pack prefix, including the finding suffix for granular rules: `IAM5[Resource::*]`.
 * cdk-nag matches ids exactly, so every IAM4/IAM5 finding is acknowledged on its own.
 */
export function acknowledge(scope: IConstruct, rule: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions-${rule}`, reason });
}

/**
 * How cdk-nag spells a resource (an ARN, possibly with tokens) inside an IAM5 finding id: the value as
 * `scope`'s stack resolves it, with Refs, GetAtts and `${…}` flattened to `<…>` the way cdk-nag's
 * flattenCfnReference does. Lets an acknowledgement name the exact resource instead of a broad `*`.
 */
export function nagResource(scope: IConstruct, value: string): string {
  const flatten = (node: unknown): string => {
    if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
    if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      const join = record['Fn::Join'];
      if (Array.isArray(join)) {
        const [delimiter, items] = join as [string, unknown[]];
        return items.map(flatten).join(delimiter);
      }
      const getAtt = record['Fn::GetAtt'];
      if (Array.isArray(getAtt)) return `<${flatten(getAtt[0])}.${flatten(getAtt[1])}>`;
      if ('Ref' in record) return `<${flatten(record.Ref)}>`;
    }
    return JSON.stringify(node);
  };
  return flatten(Stack.of(scope).resolve(value));
}
