#!/usr/bin/env node
// The `taskplane` command: `npx taskplane --help`. The commands live in src/cli/.
import { main } from "../src/cli/main.mjs";

process.exitCode = await main(process.argv);
