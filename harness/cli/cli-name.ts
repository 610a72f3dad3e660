// How a printed command (a rerun line in the summary, JUnit, HTML, a bundle, `replay --minimize`) calls the
// harness. `npx --no` runs the installed one and never downloads: the package name is not claimed on npm,
// so a plain `npx iii-conformance` pasted where the harness is not installed would fetch whatever carries
// that name by then.
export const CLI_NAME = 'npx --no iii-conformance';
