import TFYCore

/// Checks attribute expressions and values against a schema.
///
/// Two passes: `checkShape` looks at what is written (keys of literal mappings, with their exact
/// locations) before anything is evaluated; `conform` converts an evaluated value to the schema's
/// types, fills defaults and computed unknowns, and marks sensitive attributes.
enum SchemaConformance {
    static func unsupportedArgument(_ name: String, in schema: ObjectSchema, at location: SourceLocation, address: String?) -> Diagnostic {
        if let attribute = schema.attributes[name], !attribute.isSettable {
            return .error("Value for unconfigurable attribute", detail: "Can't configure a value for \"\(name)\": its value will be decided automatically when the object is created.", at: location, address: address)
        }
        return .error("Unsupported argument", detail: "An argument named \"\(name)\" is not expected here.\(Suggestion.didYouMean(name, among: schema.settableNames))", at: location, address: address)
    }

    static func missingArgument(_ name: String, at location: SourceLocation, address: String?) -> Diagnostic {
        .error("Missing required argument", detail: "The argument \"\(name)\" is required, but no definition was found.", at: location, address: address)
    }

    /// Checks the keys of literal mappings against the schema, as deep as they are written literally.
    static func checkShape(_ expression: Expression, _ type: AttributeType, address: String?, into diagnostics: inout Diagnostics) {
        switch type {
        case .value:
            return
        case .object(let schema):
            checkObject(expression, schema, address: address, into: &diagnostics)
        case .objectList(let schema):
            switch expression {
            case .tuple(let items, _):
                for item in items { checkObject(item, schema, address: address, into: &diagnostics) }
            default:
                return  // A value of the wrong shape is reported, once, when it is conformed.
            }
        }
    }

    static func checkObject(_ expression: Expression, _ schema: ObjectSchema, address: String?, into diagnostics: inout Diagnostics) {
        switch expression {
        case .object(let entries, let location):
            var seen = Set<String>()
            for entry in entries {
                guard let key = entry.key.literalString else { continue }
                seen.insert(key)
                guard let attribute = schema.attributes[key], attribute.isSettable else {
                    diagnostics.append(unsupportedArgument(key, in: schema, at: entry.key.location, address: address))
                    continue
                }
                checkShape(entry.value, attribute.type, address: address, into: &diagnostics)
            }
            for name in schema.attributes.keys.sorted() where schema.attributes[name]!.presence == .required && !seen.contains(name) {
                diagnostics.append(missingArgument(name, at: location, address: address))
            }
        default:
            return
        }
    }

    /// Tag keys starting with `tfy:` are tfy's own (`tfy:stack`, `tfy:address` say which stack
    /// owns an object); a configuration that set them could make one stack's objects look like
    /// another's.
    static func checkUserTags(_ expression: Expression, address: String?, into diagnostics: inout Diagnostics) {
        guard case .object(let entries, _) = expression else { return }
        for entry in entries {
            guard let key = entry.key.literalString, key.hasPrefix("tfy:") else { continue }
            diagnostics.append(.error("Reserved tag key", detail: "The tag key \(Value.quoted(key)) is reserved: tfy tags every object it manages with tfy:stack and tfy:address to know which stack owns it, and keys starting with \"tfy:\" are its own. Choose another key.", at: entry.key.location, address: address))
        }
    }

    // MARK: Values

    struct Failure: Error {
        var diagnostic: Diagnostic
    }

    /// The full object of a resource instance: configured attributes converted, defaults filled,
    /// computed attributes unknown, sensitive attributes marked.
    /// `shared`, when given, holds attributes already conformed for another instance of the same
    /// block from the same values, and names the others (`conforming`): only those are conformed.
    static func conformBody(_ values: [String: Value], _ schema: ObjectSchema, expressions: [String: AttributeExpression], address: String, location: SourceLocation,
                            shared: (conformed: [String: Value], conforming: [String])? = nil) throws -> [String: Value] {
        func conformed(_ name: String, _ attribute: Attribute) throws -> Value {
            guard let value = values[name] else { return fill(attribute) }
            let expression = expressions[name]?.expression
            // A set's elements in their canonical order, as the read-back has them.
            return attribute.canonical(try conform(value, attribute, name: name, expression: expression, location: expression?.location ?? location, address: address))
        }
        var result: [String: Value]
        if let shared {
            result = shared.conformed
            for name in shared.conforming { result[name] = try conformed(name, schema.attributes[name]!) }
        } else {
            result = [String: Value](minimumCapacity: schema.attributes.count)
            for (name, attribute) in schema.attributes { result[name] = try conformed(name, attribute) }
        }
        if let problem = schema.check?.problem(result, name: address) {
            throw Failure(diagnostic: .error(problem.summary, detail: problem.detail, at: expressions[problem.key]?.keyLocation ?? location, address: address))
        }
        return result
    }

    /// The value an attribute takes when it is not configured.
    static func fill(_ attribute: Attribute) -> Value {
        if let value = attribute.defaultValue { return value.marked(attribute.sensitive) }
        return attribute.isComputed ? .unknown : .null
    }

    static func conform(_ value: Value, _ attribute: Attribute, name: String, expression: Expression?, location: SourceLocation, address: String) throws -> Value {
        if value.isNull {
            if attribute.presence == .required {
                throw Failure(diagnostic: .error("Missing required argument", detail: "The argument \"\(name)\" is required, but its value is null.", at: location, address: address))
            }
            return fill(attribute)
        }
        let (inner, sensitive) = value.unmarked
        if case .unknown = inner { return value.marked(attribute.sensitive) }
        let converted: Value
        switch attribute.type {
        case .value(let type):
            if let problem = attribute.check?.problem(value, name: name) {
                throw Failure(diagnostic: .error(problem.summary, detail: problem.detail, at: location, address: address))
            }
            switch type.convert(inner) {
            case .success(let v): converted = v
            case .failure(let error):
                let why = value.containsSensitive || attribute.sensitive ? error.redacted : error.description
                throw Failure(diagnostic: .error("Incorrect attribute value type", detail: "Inappropriate value for attribute \"\(name)\": \(why).", at: location, address: address))
            }
        case .object(let schema):
            converted = try conformObject(inner, schema, name: name, expression: expression, location: location, address: address)
        case .objectList(let schema):
            guard let items = inner.listValue else {
                throw Failure(diagnostic: .error("Incorrect attribute value type", detail: "Inappropriate value for attribute \"\(name)\": list of object required.", at: location, address: address))
            }
            let itemExpressions: [Expression]?
            if case .tuple(let list, _)? = expression { itemExpressions = list } else { itemExpressions = nil }
            converted = .list(try items.enumerated().map { i, item in
                let itemExpression = itemExpressions.flatMap { i < $0.count ? $0[i] : nil }
                if case .unknown = item.unmarked.value { return item }
                return try conformObject(item.unmarked.value, schema, name: "\(name)[\(i)]", expression: itemExpression, location: itemExpression?.location ?? location, address: address).marked(item.isSensitive)
            })
        }
        return converted.marked(sensitive || attribute.sensitive)
    }

    static func conformObject(_ value: Value, _ schema: ObjectSchema, name: String, expression: Expression?, location: SourceLocation, address: String) throws -> Value {
        guard let entries = value.mapValue else {
            throw Failure(diagnostic: .error("Incorrect attribute value type", detail: "Inappropriate value for attribute \"\(name)\": object required.", at: location, address: address))
        }
        for key in entries.keys.sorted() where schema.attributes[key]?.isSettable != true {
            throw Failure(diagnostic: unsupportedArgument(key, in: schema, at: expression?.keyLocation(key) ?? location, address: address))
        }
        var result: [String: Value] = [:]
        for (key, attribute) in schema.attributes {
            let nested = expression?.entry(key)
            if let item = entries[key] {
                result[key] = try conform(item, attribute, name: "\(name).\(key)", expression: nested, location: nested?.location ?? location, address: address)
            } else if attribute.presence == .required {
                throw Failure(diagnostic: missingArgument(key, at: location, address: address))
            } else {
                result[key] = fill(attribute)
            }
        }
        if let problem = schema.check?.problem(result, name: name) {
            let at = expression?.entry(problem.key)?.location ?? location
            throw Failure(diagnostic: .error(problem.summary, detail: problem.detail, at: at, address: address))
        }
        return .map(result)
    }
}
