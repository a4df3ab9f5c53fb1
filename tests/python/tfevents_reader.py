"""A TensorBoard event-file reader independent of alig-train's writer: the record framing
parsed with struct, every CRC checked with crcmod's CRC-32C, and the Event protocol buffer
decoded by python3-protobuf from a descriptor built here with the public field numbers of
tensorflow/core/util/event.proto and framework/summary.proto (no generated code, no
TensorFlow). Used by the tests in this folder."""

import struct

import crcmod.predefined
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

_crc32c = crcmod.predefined.mkPredefinedCrcFun("crc-32c")


def masked_crc(data):
    crc = _crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _message(file_proto, name, fields):
    m = file_proto.message_type.add()
    m.name = name
    F = descriptor_pb2.FieldDescriptorProto
    for number, fname, ftype, label, type_name in fields:
        f = m.field.add()
        f.name, f.number, f.type = fname, number, ftype
        f.label = F.LABEL_REPEATED if label == "repeated" else F.LABEL_OPTIONAL
        if type_name:
            f.type_name = ".tb." + type_name


def _classes():
    F = descriptor_pb2.FieldDescriptorProto
    fp = descriptor_pb2.FileDescriptorProto(name="tb_event_reader.proto", package="tb",
                                            syntax="proto3")
    _message(fp, "PluginData", [(1, "plugin_name", F.TYPE_STRING, "", None),
                                (2, "content", F.TYPE_BYTES, "", None)])
    _message(fp, "SummaryMetadata", [(1, "plugin_data", F.TYPE_MESSAGE, "", "PluginData"),
                                     (2, "display_name", F.TYPE_STRING, "", None)])
    _message(fp, "TensorShapeProto", [(3, "unknown_rank", F.TYPE_BOOL, "", None)])
    _message(fp, "TensorProto", [(1, "dtype", F.TYPE_INT32, "", None),
                                 (2, "tensor_shape", F.TYPE_MESSAGE, "", "TensorShapeProto"),
                                 (8, "string_val", F.TYPE_BYTES, "repeated", None)])
    _message(fp, "SummaryValue", [(1, "tag", F.TYPE_STRING, "", None),
                                  (2, "simple_value", F.TYPE_FLOAT, "", None),
                                  (8, "tensor", F.TYPE_MESSAGE, "", "TensorProto"),
                                  (9, "metadata", F.TYPE_MESSAGE, "", "SummaryMetadata")])
    _message(fp, "Summary", [(1, "value", F.TYPE_MESSAGE, "repeated", "SummaryValue")])
    _message(fp, "SessionLog", [(1, "status", F.TYPE_INT32, "", None)])
    _message(fp, "Event", [(1, "wall_time", F.TYPE_DOUBLE, "", None),
                           (2, "step", F.TYPE_INT64, "", None),
                           (3, "file_version", F.TYPE_STRING, "", None),
                           (5, "summary", F.TYPE_MESSAGE, "", "Summary"),
                           (6, "session_log", F.TYPE_MESSAGE, "", "SessionLog")])
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fp)
    get = getattr(message_factory, "GetMessageClass", None)
    if get is None:
        factory = message_factory.MessageFactory(pool)
        get = factory.GetPrototype
    return get(pool.FindMessageTypeByName("tb.Event"))


Event = _classes()


class BadRecord(Exception):
    pass


def read_records(data):
    """The records' data, in order, and whether the file ends in a record cut short. A
    record with a wrong CRC raises BadRecord, naming its offset."""
    records, offset = [], 0
    while offset < len(data):
        if len(data) - offset < 12:
            return records, True
        header = data[offset:offset + 8]
        (length,) = struct.unpack("<Q", header)
        (length_crc,) = struct.unpack("<I", data[offset + 8:offset + 12])
        if length_crc != masked_crc(header):
            raise BadRecord("offset %d: the length's CRC does not match" % offset)
        if len(data) - offset < 12 + length + 4:
            return records, True
        body = data[offset + 12:offset + 12 + length]
        (body_crc,) = struct.unpack("<I", data[offset + 12 + length:offset + 16 + length])
        if body_crc != masked_crc(body):
            raise BadRecord("offset %d: the data's CRC does not match" % offset)
        records.append(body)
        offset += 16 + length
    return records, False


def read_events(path):
    with open(path, "rb") as f:
        records, truncated = read_records(f.read())
    events = []
    for r in records:
        e = Event()
        e.ParseFromString(r)
        events.append(e)
    return events, truncated


def scalars(events):
    """{tag: {step: value}} of every simple_value, the last write of a step winning."""
    out = {}
    for e in events:
        for v in e.summary.value:
            if not v.HasField("tensor"):
                out.setdefault(v.tag, {})[e.step] = v.simple_value
    return out


def texts(events):
    out = {}
    for e in events:
        for v in e.summary.value:
            if v.HasField("tensor") and v.metadata.plugin_data.plugin_name == "text":
                out[v.tag] = v.tensor.string_val[0].decode("utf-8")
    return out
