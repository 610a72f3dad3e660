// Placeholder CLI: the CLI work (issue 8) replaces this with the real command.
console.log(`iii-conformance: conformance harness for the iii worker protocol

Usage: iii-conformance [command]

This build only has the foundation; the commands arrive with the catalogue work.`);
