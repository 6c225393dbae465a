/** Types of scripts/metabase-setup.mjs for the TypeScript that imports it (the reader-role test). */
export interface StarterQuestion {
  name: string;
  display: string;
  query: string;
}
export declare const QUESTIONS: StarterQuestion[];
