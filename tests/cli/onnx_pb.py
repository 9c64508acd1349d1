"""onnx_pb.py - the few lines of protobuf encoding the CLI tests use to
write small ONNX models of a chosen size without the onnx package (a
model too big to build in memory twice, or one that must not be folded):
field numbers are those of onnx.proto (ModelProto, GraphProto, NodeProto,
TensorProto, ValueInfoProto)."""


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field(num, wire, payload):
    key = varint(num << 3 | wire)
    return key + (varint(payload) if wire == 0 else varint(len(payload)) + payload)


def s(num, text):
    return field(num, 2, text.encode())


def shape_dim(v):
    return field(1, 2, field(1, 0, v))


def value_info(name, dims=None):
    """A float tensor's ValueInfoProto, with its shape when dims is given."""
    body = s(1, name)
    if dims:
        shape = b"".join(shape_dim(d) for d in dims)
        body += field(2, 2, field(1, 2, field(1, 0, 1) + field(2, 2, shape)))
    return body


def model(graph, producer, opset=13):
    """ModelProto: IR version 8, the default domain at opset."""
    return field(1, 0, 8) + s(2, producer) + field(7, 2, graph) + field(8, 2, s(1, "") + field(2, 0, opset))
