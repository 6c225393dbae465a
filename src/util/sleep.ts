/** Resolves after `ms` milliseconds (a plain timer; callers that must be interruptible pass a signal elsewhere). */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
