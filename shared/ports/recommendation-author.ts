import type { Recommendation } from '../domain/analysis.ts';
import { type AuthorInput, authorRecommendations } from '../domain/recommendations/author-recommendations.ts';
import type { LlmUsage } from './llm-usage.ts';

/** What the Recommendation Author is given: the account's analysis, and the run it works for. */
export interface RecommendationContext extends AuthorInput {
  runId: string;
}

export interface AuthoredRecommendations {
  recommendations: Recommendation[];
  /** Who wrote them: Claude, or the deterministic rules (always, or because Claude could not). */
  author: 'claude' | 'rules';
  /** Why the rules wrote them when Claude was asked to; free of PII (it goes to the audit trail). */
  fallbackReason?: string;
  /** The model call's tokens and cost, when one was made. */
  usage?: LlmUsage;
}

/** The Recommendation Author: writes at most a few recommendations, each citing the account's own data. */
export interface RecommendationAuthor {
  draft(context: RecommendationContext): Promise<AuthoredRecommendations>;
}

/** The deterministic author of DOMAIN-RULES: the embedded default, and what an LLM author falls back to. */
export const ruleRecommendationAuthor: RecommendationAuthor = {
  async draft(context) {
    return { recommendations: authorRecommendations(context), author: 'rules' };
  },
};
