/** Kept apart from the Bedrock adapter so that reading the config does not load the AWS SDK. */
export const TITAN_TEXT_EMBEDDINGS_V2 = 'amazon.titan-embed-text-v2:0';
