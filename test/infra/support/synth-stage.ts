import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { buildSergasApp, type SergasApp } from '../../../infra/sergas-app.ts';

export interface SynthesizedStage {
  readonly sergas: SergasApp;
  readonly assembly: CloudAssembly;
  readonly stateful: Template;
  readonly stateless: Template;
  /** Cloud assembly directory (assets, validation report). */
  readonly outdir: string;
  readonly functionsDir: string;
  readonly dispose: () => void;
}

interface ValidationReport {
  pluginReports: {
    pluginName: string;
    violations: { ruleName: string; violatingConstructs?: { constructPath: string }[] }[];
  }[];
}

export const readValidationReport = (outdir: string): ValidationReport | undefined => {
  const path = join(outdir, 'validation-report.json');
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as ValidationReport) : undefined;
};

/**
 * How long a file's `beforeAll` may take to synthesize a stage. One synth takes ~45 s on a quiet 2-core
 * machine; with two test files synthesizing at once on a busy one each took over two minutes, past
 * vitest's hookTimeout (120 s), and every test of both files was skipped.
 */
export const SYNTH_TIMEOUT_MS = 360_000;

/**
 * Builds and synthesizes the whole app for one stage into a private temporary directory (bundles
 * included, so test files running in parallel never share output). `app.synth()` runs cdk-nag: an
 * unacknowledged finding throws, and the error lists them from the validation report.
 */
export function synthStage(stage: 'dev' | 'prod', context: Record<string, string> = {}): SynthesizedStage {
  const root = mkdtempSync(join(tmpdir(), `sergas-infra-${stage}-`));
  const outdir = join(root, 'cdk.out');
  const functionsDir = join(root, 'functions');
  const sergas = buildSergasApp({ context: { ...context, stage }, outdir, functionsOutDir: functionsDir });
  let assembly: CloudAssembly;
  try {
    assembly = sergas.app.synth();
  } catch (error) {
    const findings = (readValidationReport(outdir)?.pluginReports ?? []).flatMap((report) =>
      report.violations.map(
        (v) =>
          `${report.pluginName} ${v.ruleName}: ${(v.violatingConstructs ?? []).map((c) => c.constructPath).join(', ')}`,
      ),
    );
    throw new Error(`synth of ${stage} failed: ${(error as Error).message}\n${findings.join('\n')}`, { cause: error });
  }
  return {
    sergas,
    assembly,
    stateful: Template.fromStack(sergas.stateful),
    stateless: Template.fromStack(sergas.stateless),
    outdir,
    functionsDir,
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}
