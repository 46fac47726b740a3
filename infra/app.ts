// Entry point for the CDK CLI (cdk.json: `node --import tsx infra/app.ts`). Stage and environment come
// from context: `npx cdk synth -c stage=prod [-c account=… -c region=…]`.
import { buildSergasApp } from './sergas-app.ts';

buildSergasApp().app.synth();
