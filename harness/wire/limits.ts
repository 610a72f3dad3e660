// The engine's message size limit: axum/tungstenite's default max message size, which the engine does not change
// (engine-protocol.md §1.3). A bigger message tears the connection down. The reference engine holds workers to it,
// the fake engine refuses a bigger frame unread as the engine would, and sdk.wire.frames-valid names it.

export const ENGINE_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** What that cap is, in the words a verdict uses. */
export const ENGINE_MESSAGE_LIMIT_NAME = "the engine's message limit";
