#!/usr/bin/env node
// The operator CLI from a checkout: it runs the TypeScript sources through tsx, so it works after "npm ci".
// Operators without a checkout install the CLI package instead (packages/cli).
import { register } from 'tsx/esm/api';

register();
await import('../tools/cli/bin.ts');
