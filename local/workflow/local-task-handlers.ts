import type { Context } from 'aws-lambda';
import { handler as analyzeMemory } from '../../functions/workflow/analyze-memory.ts';
import { handler as authorRecommendations } from '../../functions/workflow/author-recommendations.ts';
import { handler as checkCompliance } from '../../functions/workflow/check-compliance.ts';
import { handler as escalateApproval } from '../../functions/workflow/escalate-approval.ts';
import { handler as executeRecommendation } from '../../functions/workflow/execute-recommendation.ts';
import { handler as expireApproval } from '../../functions/workflow/expire-approval.ts';
import { handler as initializeRun } from '../../functions/workflow/initialize-run.ts';
import { handler as prepareBatchRun } from '../../functions/workflow/prepare-batch-run.ts';
import { handler as recordFailure } from '../../functions/workflow/record-failure.ts';
import { handler as requestApproval } from '../../functions/workflow/request-approval.ts';
import { handler as retrieveData } from '../../functions/workflow/retrieve-data.ts';
import { handler as summarizeBatch } from '../../functions/workflow/summarize-batch.ts';
import { handler as syncMemory } from '../../functions/workflow/sync-memory.ts';
import { lambdaContextFor } from '../lambda-context.ts';
import type { TaskHandler } from './local-workflow-engine.ts';

type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

const local =
  (name: string, handler: LambdaHandler): TaskHandler =>
  (payload) =>
    handler(payload, lambdaContextFor(name));

/** The ASL placeholders of statemachines/*.asl.json → the same Lambda handlers, in process. */
export function localTaskHandlers(): Record<string, TaskHandler> {
  return {
    InitializeRunFunctionArn: local('initialize-run', initializeRun),
    RetrieveDataFunctionArn: local('retrieve-data', retrieveData),
    AnalyzeMemoryFunctionArn: local('analyze-memory', analyzeMemory),
    AuthorRecommendationsFunctionArn: local('author-recommendations', authorRecommendations),
    CheckComplianceFunctionArn: local('check-compliance', checkCompliance),
    RequestApprovalFunctionArn: local('request-approval', requestApproval),
    EscalateApprovalFunctionArn: local('escalate-approval', escalateApproval),
    ExpireApprovalFunctionArn: local('expire-approval', expireApproval),
    ExecuteRecommendationFunctionArn: local('execute-recommendation', executeRecommendation),
    SyncMemoryFunctionArn: local('sync-memory', syncMemory),
    RecordFailureFunctionArn: local('record-failure', recordFailure),
    PrepareBatchRunFunctionArn: local('prepare-batch-run', prepareBatchRun),
    SummarizeBatchFunctionArn: local('summarize-batch', summarizeBatch),
  };
}
