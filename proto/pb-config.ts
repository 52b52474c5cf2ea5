/**
 * Must be imported before the generated codec: makes protobufjs read int64 fields as plain
 * numbers instead of Long objects. The API layer then checks they are safe integers.
 */
import protobuf from 'protobufjs/minimal.js';

protobuf.util.Long = undefined as unknown as typeof protobuf.util.Long;
protobuf.configure();
