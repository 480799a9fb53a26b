"""The harness's commands, one module each (like asv's ``commands`` package): each defines a
``Command`` that owns its name, help, arguments and handler; ``afirgen_bench.cli`` lists them.

Only light modules are imported here and at the top of each command's module: a command's
handler imports what it drives, so that ``--help`` and every other command start fast."""
