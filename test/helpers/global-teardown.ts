export default async function globalTeardown(): Promise<void> {
  const state = globalThis as { __mluviiTestDbStop?: () => Promise<void> };
  await state.__mluviiTestDbStop?.();
}
