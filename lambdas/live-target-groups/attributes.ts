/**
 * The attribute under which the LiveTargetGroups lookup returns a port's live target group. Shared by the handler
 * and the construct (which imports only this file, not the SDK client).
 */
export function attributeForPort(listenerPort: number): string {
  return `TargetGroupForPort${listenerPort}`;
}
