/** OpenTSDB answers an exception from an expression function as a 400 with its message as message and details. */
import { ApiError } from '../../../lib/opentsdb';

export function expError(message: string): ApiError {
  return new ApiError(400, message, message);
}
