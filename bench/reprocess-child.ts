// Runs `mluvii-etl reprocess` in this process and reports its peak RSS (bench/memory.ts).
import { main } from '../src/cli.js';

const code = await main(['reprocess']);
console.log(JSON.stringify({ code, maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024) }));
process.exitCode = code;
