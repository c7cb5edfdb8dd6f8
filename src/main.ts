#!/usr/bin/env bun
/** argv → command; nothing else. */
import { runCli } from "./cli/dispatch.ts";

const code = await runCli(process.argv.slice(2));
process.exitCode = code;
