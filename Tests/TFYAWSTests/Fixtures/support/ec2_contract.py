"""EC2's wire contract: whether one EC2 Query API request is one AWS would accept, judged by AWS's
own published service model (botocore's ec2 service-2.json, API version 2016-11-15).

moto accepts, and silently ignores, any parameter it does not model; real EC2 rejects a misnamed
key, a wrong type or an unknown enum value. moto_helper.py runs `violations` on every EC2 request
the tests send, so a request tfy builds wrongly fails its test instead of passing against moto.

The request is read as botocore's EC2Serializer writes it (botocore/serialize.py):
- a member's wire name is its `queryName`, else its `locationName` with the first letter upper-
  cased, else the member's name (member traits merged over the target shape's, as botocore does);
- structures nest with `.`; a list is always flattened, `Name.1`, `Name.2`, each element
  serialised under that prefix (the member's own locationName is not used);
- booleans are `true`/`false`, integers and longs decimal (within the shape's min..max, else
  within the type's range), floats and doubles numbers, blobs base64, timestamps ISO 8601,
  enumerated strings one of the shape's values.

Checked: Action is an EC2 operation and Version is 2016-11-15; every key resolves to a member of
the operation's input shape and names a value (not a whole structure or list); no key is sent
twice; each list's indexes run 1..N; every value has its shape's type, range and enum; every
`required` member of each structure the request sends (the input itself included) is present.

Messages begin with the action and quote the key, e.g.
  RunInstances: unknown parameter "BlockDeviceMapping.1.Ebs.Size"
A blob's value is never quoted (it is user data or key material); other values are quoted
shortened to 60 characters.

The model is loaded once per process, on first use (about a second); after that a request costs a
few dictionary look-ups per key.

  python3 ec2_contract.py --self-check
serialises a sample input for every EC2 operation with botocore's own EC2Serializer and checks
that none of them has a violation (no false alarms anywhere in the model); exits 1 if one does.
"""
import base64
import binascii
import re
import threading

API_VERSION = "2016-11-15"

_TYPE_RANGES = {"integer": (-2**31, 2**31 - 1), "long": (-2**63, 2**63 - 1)}
_INTEGER = re.compile(r"-?[0-9]+\Z")
# A decimal number as botocore writes a float or double (Python's float() also takes "1_0" and "nan").
_NUMBER = re.compile(r"-?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\Z")
_ISO_8601 = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:?[0-9]{2})\Z")
# An enum with more values than this is named rather than listed (InstanceType has over 1,000).
_ENUM_LISTED = 12
# Resolved keys kept; past this the cache starts over (the tests use a few thousand distinct keys).
_KEYS_CACHED = 200_000


class _Structure:
    kind = "structure"

    def __init__(self, name):
        self.name = name
        # Wire name -> target shape name.
        self.members = {}
        # Wire names of the required members.
        self.required = []


class _List:
    kind = "list"

    def __init__(self, name):
        self.name = name
        self.member = None


class _Scalar:
    kind = "scalar"

    def __init__(self, name, shape):
        self.name = name
        self.type = shape["type"]
        self.enum = frozenset(shape["enum"]) if "enum" in shape else None
        low, high = _TYPE_RANGES.get(self.type, (None, None))
        self.min = shape.get("min", low)
        self.max = shape.get("max", high)


class _Resolved:
    """Where one key leads: its scalar (or list, or structure) node, None when the model has no
    such key; the key prefixes it sends, the list indexes it uses, the structures it enters."""

    def __init__(self):
        self.node = None
        self.paths = []
        self.indexes = []
        self.structures = []


class Contract:
    """The EC2 model, resolved into wire names shape by shape as requests need them."""

    def __init__(self, model):
        self.version = model["metadata"]["apiVersion"]
        self.shapes = model["shapes"]
        self.inputs = {name: op.get("input", {}).get("shape") for name, op in model["operations"].items()}
        self.nodes = {}
        self.lock = threading.Lock()
        # (action, key) -> _Resolved.
        self.keys = {}

    def resolve(self, action, key):
        """Where `key` leads in `action`'s input, cached: the tests send the same keys thousands of times."""
        found = self.keys.get((action, key))
        if found is None:
            if len(self.keys) > _KEYS_CACHED:
                self.keys = {}
            found = self.keys[(action, key)] = self._resolve(action, key)
        return found

    def _resolve(self, action, key):
        resolved = _Resolved()
        node = self.node(self.inputs[action]) if self.inputs[action] else _Structure("")
        path = ""
        for token in key.split("."):
            if node.kind == "structure":
                target = node.members.get(token)
                if target is None:
                    return resolved
                path = path + "." + token if path else token
                node = self.node(target)
            elif node.kind == "list":
                # Indexes are decimal, without leading zeros: "01" is not a key botocore writes.
                if not (token.isascii() and token.isdigit() and token == str(int(token))):
                    return resolved
                resolved.indexes.append((path, int(token)))
                path = path + "." + token
                node = self.node(node.member)
            else:
                return resolved
            resolved.paths.append(path)
            if node.kind == "structure":
                resolved.structures.append((path, node))
        resolved.node = node
        return resolved

    def node(self, name):
        found = self.nodes.get(name)
        if found is not None:
            return found
        with self.lock:
            return self._build(name)

    def _build(self, name):
        if name in self.nodes:
            return self.nodes[name]
        shape = self.shapes[name]
        if shape["type"] == "structure":
            node = _Structure(name)
            wire = {}
            for member, ref in shape.get("members", {}).items():
                merged = dict(self.shapes[ref["shape"]])
                merged.update(ref)
                wire[member] = wire_name(merged, member)
                node.members[wire[member]] = ref["shape"]
            node.required = [wire[m] for m in shape.get("required", [])]
        elif shape["type"] == "list":
            node = _List(name)
            node.member = shape["member"]["shape"]
        else:
            node = _Scalar(name, shape)
        self.nodes[name] = node
        return node


def wire_name(traits, member):
    """A member's key on the wire, given its traits merged over its shape's (EC2Serializer)."""
    if "queryName" in traits:
        return traits["queryName"]
    if "locationName" in traits:
        name = traits["locationName"]
        return name[:1].upper() + name[1:]
    return member


_contract = None
_contract_lock = threading.Lock()


def contract():
    """The EC2 contract, loaded from botocore's model on first use."""
    global _contract
    if _contract is None:
        with _contract_lock:
            if _contract is None:
                from botocore.loaders import Loader
                _contract = Contract(Loader().load_service_model("ec2", "service-2"))
    return _contract


def _shown(value):
    text = value if len(value) <= 60 else value[:57] + "..."
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _value_problem(node, value):
    """What is wrong with `value` for a scalar shape (the text after the key), or None."""
    kind = node.type
    if kind == "string":
        if node.enum is not None and value not in node.enum:
            if len(node.enum) > _ENUM_LISTED:
                return "= %s is not one of the %d %s values" % (_shown(value), len(node.enum), node.name)
            return "= %s is not one of %s" % (_shown(value), ", ".join(sorted(node.enum)))
        return None
    if kind == "boolean":
        return None if value in ("true", "false") else "= %s is not true or false" % _shown(value)
    if kind in ("integer", "long"):
        if not _INTEGER.match(value):
            return "= %s is not an integer" % _shown(value)
        number = int(value)
    elif kind in ("float", "double"):
        if not _NUMBER.match(value):
            return "= %s is not a number" % _shown(value)
        number = float(value)
    elif kind == "blob":
        try:
            base64.b64decode(value, validate=True)
            return None
        except (binascii.Error, ValueError):
            return "is not base64"
    elif kind == "timestamp":
        return None if _ISO_8601.match(value) else "= %s is not an ISO 8601 timestamp" % _shown(value)
    else:
        return None
    if (node.min is not None and number < node.min) or (node.max is not None and number > node.max):
        low = "" if node.min is None else node.min
        high = "" if node.max is None else node.max
        return "= %s is not within %s..%s" % (_shown(value), low, high)
    return None


def violations(params):
    """Every way one EC2 Query request breaks the model, as messages; [] when AWS would accept it.

    `params` is the request's form parameters: a dict, or (as received, duplicates kept) a list of
    (key, value) pairs, Action and Version among them.
    """
    pairs = list(params.items()) if isinstance(params, dict) else [tuple(p) for p in params]
    actions = [v for k, v in pairs if k == "Action"]
    if not actions:
        return ['missing "Action"']
    action = actions[0]
    c = contract()
    if action not in c.inputs:
        return ["%s: unknown action" % _shown(action)]
    found = []
    versions = [v for k, v in pairs if k == "Version"]
    if not versions:
        found.append('%s: missing required "Version"' % action)
    elif versions[0] != c.version:
        found.append('%s: "Version" = %s is not %s' % (action, _shown(versions[0]), c.version))
    root = c.node(c.inputs[action]) if c.inputs[action] else _Structure("")
    # Every structure the request sends, by its key prefix ("" for the input itself).
    structures = {"": root}
    # Every list the request sends, by its key prefix: the indexes seen.
    lists = {}
    # Every key and key prefix sent, for the required members.
    sent = set()
    counts = {}
    for key, _ in pairs:
        counts[key] = counts.get(key, 0) + 1
    for key, times in counts.items():
        if times > 1:
            found.append('%s: "%s" is sent %d times' % (action, key, times))
    for key, value in pairs:
        if key in ("Action", "Version") or key not in counts:
            continue
        # A key sent twice is judged once.
        del counts[key]
        resolved = c.resolve(action, key)
        node = resolved.node
        if node is None:
            found.append('%s: unknown parameter "%s"' % (action, key))
            continue
        sent.update(resolved.paths)
        for path, index in resolved.indexes:
            lists.setdefault(path, set()).add(index)
        for path, structure in resolved.structures:
            structures.setdefault(path, structure)
        if node.kind != "scalar":
            found.append('%s: "%s" is a %s, not a value' % (action, key, node.kind))
            continue
        problem = _value_problem(node, value)
        if problem:
            found.append('%s: "%s" %s' % (action, key, problem))
    for path, indexes in lists.items():
        if len(indexes) != max(indexes) or 0 in indexes:
            found.append('%s: list "%s" has indexes %s (must be 1..%d)' % (action, path, ", ".join(map(str, sorted(indexes))), len(indexes)))
    for path, node in structures.items():
        for member in node.required:
            full = path + "." + member if path else member
            if full not in sent:
                found.append('%s: missing required "%s"' % (action, full))
    return found


def _sample(shapes, name, depth, seen):
    """A value botocore accepts for shape `name` (for the self-check): every member set, lists of two."""
    shape = shapes[name]
    kind = shape["type"]
    if kind == "structure":
        if name in seen or depth > 6:
            return {}
        return {m: _sample(shapes, ref["shape"], depth + 1, seen | {name}) for m, ref in shape.get("members", {}).items()}
    if kind == "list":
        element = _sample(shapes, shape["member"]["shape"], depth + 1, seen)
        return [element, element]
    if kind == "string":
        return sorted(shape["enum"])[-1] if "enum" in shape else "text"
    if kind == "boolean":
        return False
    if kind in ("integer", "long"):
        return shape.get("max", shape.get("min", 7))
    if kind in ("float", "double"):
        return shape.get("min", 1.5)
    if kind == "blob":
        return b"\x00\xffbytes"
    if kind == "timestamp":
        import datetime
        return datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    raise ValueError("no sample for type %s" % kind)


def self_check():
    import botocore.session
    from botocore.serialize import EC2Serializer
    from botocore.model import ServiceModel
    from botocore.loaders import Loader
    raw = Loader().load_service_model("ec2", "service-2")
    model = ServiceModel(raw, "ec2")
    serializer = EC2Serializer()
    failures = 0
    operations = 0
    for name in model.operation_names:
        operation = model.operation_model(name)
        shape = raw["operations"][name].get("input", {}).get("shape")
        value = _sample(raw["shapes"], shape, 0, frozenset()) if shape else {}
        body = serializer.serialize_to_request(value, operation)["body"]
        # The HTTP layer sends numbers as their decimal text.
        pairs = [(k, str(v)) for k, v in body.items() if v != ""]
        found = violations(pairs)
        operations += 1
        if found:
            failures += 1
            print("\n".join(found))
    print("%d operations, %d with violations" % (operations, failures))
    return failures == 0


if __name__ == "__main__":
    import sys
    if sys.argv[1:] == ["--self-check"]:
        sys.exit(0 if self_check() else 1)
    print(__doc__)
    sys.exit(2)
