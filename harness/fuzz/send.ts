// Sends fuzz frames in order on a fake peer. The sends are queued at once (ws keeps their order) and awaited
// with a bound: a frame held back by a reorder fault never resolves when the peer closes the connection
// under it, and that death is for the "still serves" check to report, not for the lane to hang on.

import { wirePayload, type FuzzFrame } from './frames.ts';

export interface RawSender {
  sendRaw(data: string | Uint8Array, options: { binary?: boolean }): Promise<boolean>;
}

export async function sendFuzzFrames(peer: RawSender, frames: readonly FuzzFrame[], boundMs = 5000): Promise<void> {
  const sends = frames.map((f) => {
    const p = wirePayload(f);
    return peer.sendRaw(p.data, { binary: p.binary });
  });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(sends), new Promise((resolve) => (timer = setTimeout(resolve, boundMs)))]);
  clearTimeout(timer);
}
