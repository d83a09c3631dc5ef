import type { DetectionResult, ProtocolMatch } from '../../core';

/**
 * OpenTSDB's rule (PipelineFactory.DetectHttpOrRpc): a connection whose first byte is an
 * uppercase ASCII letter speaks HTTP. Every HTTP method starts with one, and telnet
 * commands are lowercase, so one byte decides.
 */
export function detectHttp(head: Buffer, match: ProtocolMatch): DetectionResult {
  const first = head[0]!;
  return first >= 0x41 && first <= 0x5a ? match : undefined;
}
