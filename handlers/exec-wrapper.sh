#!/bin/bash
# The planner's Lambda runtime starts through this script (AWS_LAMBDA_EXEC_WRAPPER): "$@" is the runtime's own
# command, the node binary and its flags with the runtime's entry script last.
#
# It caps V8's young generation. The runtime sizes it from the function's memory (a 25 MB semi-space at 512 MB), and
# over a long run V8 grows it to that cap, so the planner's peak memory grew with the audience although its live
# heap did not (docs/adr/0004-planner-young-generation.md). The flag goes after the runtime's own, because the later
# one wins; NODE_OPTIONS cannot do this, as the command line overrides it. A command that does not end in a script
# runs unchanged, so a runtime that starts differently loses the cap, never the function.
if [ "$#" -ge 2 ]; then
  entry="${!#}"
  case "$entry" in
    *.js | *.mjs | *.cjs) exec "${@:1:$#-1}" --max-semi-space-size=8 "$entry" ;;
  esac
fi
exec "$@"
