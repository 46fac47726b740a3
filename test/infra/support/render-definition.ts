import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';

type Resource = { Type: string; Properties: Record<string, unknown> };

const PSEUDO_PARAMETERS: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::Region': 'us-east-1',
  'AWS::AccountId': '123456789012',
};

/**
 * Resolves the few intrinsics a state machine definition uses, with `arnOf(logicalId)` standing in
 * for `Fn::GetAtt [id, Arn]` (and `Ref` of a resource). Anything else is a test failure, not a guess.
 */
export function resolveIntrinsic(value: unknown, arnOf: (logicalId: string) => string): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const join = record['Fn::Join'];
    if (Array.isArray(join)) {
      const [delimiter, parts] = join as [string, unknown[]];
      return parts.map((part) => resolveIntrinsic(part, arnOf)).join(delimiter);
    }
    const getAtt = record['Fn::GetAtt'];
    if (Array.isArray(getAtt) && getAtt[1] === 'Arn') return arnOf(String(getAtt[0]));
    if (typeof record.Ref === 'string') return PSEUDO_PARAMETERS[record.Ref] ?? arnOf(record.Ref);
    if (typeof record['Fn::ImportValue'] === 'string') return `import:${record['Fn::ImportValue']}`;
  }
  throw new Error(`Cannot resolve ${JSON.stringify(value)}`);
}

export type MachineName = 'account-analysis' | 'batch-analysis';

/** A state machine of a template by its name (`sergas-<stage>-<machine>`), with its logical id. */
export function stateMachineOf(
  template: Template,
  machine: MachineName = 'account-analysis',
): { logicalId: string; properties: Record<string, unknown> } {
  const machines = Object.entries(
    template.findResources('AWS::StepFunctions::StateMachine') as Record<string, Resource>,
  ).filter(([, resource]) => String(resource.Properties.StateMachineName).endsWith(`-${machine}`));
  if (machines.length !== 1) throw new Error(`expected one ${machine} state machine, found ${machines.length}`);
  const [logicalId, resource] = machines[0]!;
  return { logicalId, properties: resource.Properties };
}

/**
 * What Step Functions would run: the definition as deployed, with its `${…}` substitutions filled in.
 * Handles both an inline DefinitionString (Fn::Join) and a DefinitionS3Location asset
 * (DefinitionBody.fromFile), reading the asset from the cloud assembly.
 */
export function renderDefinition(
  template: Template,
  assemblyDir: string,
  arnOf: (logicalId: string) => string,
  machine: MachineName = 'account-analysis',
): unknown {
  const { properties } = stateMachineOf(template, machine);
  let definition: string;
  if (properties.DefinitionString !== undefined) {
    definition = resolveIntrinsic(properties.DefinitionString, arnOf);
  } else {
    const location = properties.DefinitionS3Location as { Key: string } | undefined;
    if (!location) throw new Error('state machine has neither DefinitionString nor DefinitionS3Location');
    definition = readFileSync(join(assemblyDir, `asset.${location.Key}`), 'utf8');
  }
  const substitutions = (properties.DefinitionSubstitutions ?? {}) as Record<string, unknown>;
  for (const [name, value] of Object.entries(substitutions)) {
    definition = definition.replaceAll(`\${${name}}`, resolveIntrinsic(value, arnOf));
  }
  return JSON.parse(definition);
}

/** The `${Name}` placeholders a definition text uses. */
export const placeholdersIn = (text: string): string[] =>
  [...new Set([...text.matchAll(/\$\{(\w+)\}/g)].map((match) => match[1]!))].sort();

/** Every state of a definition, nested Map/Parallel states included, as [name, state]. */
export function allStates(definition: unknown): [string, Record<string, unknown>][] {
  const states: [string, Record<string, unknown>][] = [];
  const visit = (machine: unknown) => {
    const record = (machine ?? {}) as { States?: Record<string, Record<string, unknown>> };
    for (const [name, state] of Object.entries(record.States ?? {})) {
      states.push([name, state]);
      if (state.ItemProcessor) visit(state.ItemProcessor);
      if (state.Iterator) visit(state.Iterator);
      for (const branch of (state.Branches as unknown[] | undefined) ?? []) visit(branch);
    }
  };
  visit(definition);
  return states;
}
