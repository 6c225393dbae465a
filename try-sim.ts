import { startSimulator } from './src/simulator/server.js';
const DAYS = ['2026-06-01T00:00:00Z', '2026-06-02T00:00:00Z', '2026-06-03T00:00:00Z'].map((d) => new Date(d));
const sim = await startSimulator({ seed: 5, port: 18411, sessionsPerDay: 50, misbehaviour: { brokenRange: { from: DAYS[1], to: DAYS[2] }, malformedRate: 0.05 } });
console.log(sim.url);
