import { workflowTask } from '../../shared/runtime/workflow-task.ts';
import { syncMemory } from '../../shared/use-cases/workflow-steps.ts';
import { StepPayload } from './schemas.ts';

export const handler = workflowTask(StepPayload, (deps, input) => syncMemory(deps, input));
