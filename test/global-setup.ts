// Runs once before the test run. Driver set-up (npm/pip/cargo/go) is added here by the SDK-target work,
// so that `npm test` stays the only command a user types.
export default async function setup(): Promise<void> {}
