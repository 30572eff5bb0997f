import Foundation
import TFYAWS
import TFYCore

/// `data.aws_ami`: the image `owners` and `filter` select, narrowed by `name_regex`; with
/// several left, the newest by `creation_date` when `most_recent` is true, else an error, as
/// the AWS provider does. One DescribeImages.
struct ImageDataSource: DataSourceType {
    static let schema = ResourceSchema(type: "aws_ami", body: ObjectSchema([
        "most_recent": Attribute(.bool, .optional, default: .bool(false)),
        "owners": Attribute(.stringList, .optional),
        "filter": DataSourceParts.filter,
        "name_regex": Attribute(.string, .optional),
        "executable_users": Attribute(.stringList, .optional),
        "id": Attribute(.string, .computed),
        "arn": Attribute(.string, .computed),
        "architecture": Attribute(.string, .computed),
        "creation_date": Attribute(.string, .computed),
        "description": Attribute(.string, .computed),
        "hypervisor": Attribute(.string, .computed),
        "image_id": Attribute(.string, .computed),
        "image_location": Attribute(.string, .computed),
        "image_type": Attribute(.string, .computed),
        "name": Attribute(.string, .computed),
        "owner_id": Attribute(.string, .computed),
        "platform": Attribute(.string, .computed),
        "public": Attribute(.bool, .computed),
        "root_device_name": Attribute(.string, .computed),
        "root_device_type": Attribute(.string, .computed),
        "state": Attribute(.string, .computed),
        "tags": Attribute(.stringMap, .computed),
        "virtualization_type": Attribute(.string, .computed),
    ]))

    var schema: ResourceSchema { Self.schema }

    func read(_ arguments: [String: Value], context: EngineContext) async throws -> DataRead {
        var images = try await context.ec2.describeImages(owners: AWSAttributes.strings(arguments["owners"]), filters: DataSourceParts.filters(arguments["filter"]),
                                                          executableUsers: AWSAttributes.strings(arguments["executable_users"]))
        if let pattern = arguments["name_regex"]?.stringValue {
            let regex: NSRegularExpression
            do { regex = try NSRegularExpression(pattern: pattern) } catch {
                throw DataSourceError(summary: "Invalid name_regex", detail: "\(Value.quoted(pattern)) is not a valid regular expression.")
            }
            images = images.filter { image in
                let name = image.name ?? ""
                return regex.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) != nil
            }
        }
        guard !images.isEmpty else {
            throw DataSourceError(summary: "Your query returned no results. Please change your search criteria and try again.",
                                  detail: "No image matched the owners, filters and name_regex given.")
        }
        if images.count > 1 {
            guard arguments["most_recent"]?.boolValue == true else {
                throw DataSourceError(summary: "Your query returned more than one result. Please try a more specific search criteria, or set `most_recent` attribute to true.",
                                      detail: "\(images.count) images matched the owners, filters and name_regex given.")
            }
            // Newest first; equal dates by ID, so the answer does not depend on EC2's order.
            images.sort { ($0.creationDate ?? "", $1.imageId) > ($1.creationDate ?? "", $0.imageId) }
        }
        let image = images[0]
        var attributes = arguments
        attributes["id"] = .string(image.imageId)
        attributes["image_id"] = .string(image.imageId)
        attributes["arn"] = .string("arn:aws:ec2:\(context.region)::image/\(image.imageId)")
        attributes["architecture"] = DataSourceParts.string(image.architecture)
        attributes["creation_date"] = DataSourceParts.string(image.creationDate)
        attributes["description"] = DataSourceParts.string(image.description)
        attributes["hypervisor"] = DataSourceParts.string(image.hypervisor)
        attributes["image_location"] = DataSourceParts.string(image.imageLocation)
        attributes["image_type"] = DataSourceParts.string(image.imageType)
        attributes["name"] = DataSourceParts.string(image.name)
        attributes["owner_id"] = DataSourceParts.string(image.ownerId)
        attributes["platform"] = DataSourceParts.string(image.platform)
        attributes["public"] = .bool(image.isPublic)
        attributes["root_device_name"] = DataSourceParts.string(image.rootDeviceName)
        attributes["root_device_type"] = DataSourceParts.string(image.rootDeviceType)
        attributes["state"] = DataSourceParts.string(image.state)
        attributes["tags"] = DataSourceParts.tags(image.tags)
        attributes["virtualization_type"] = DataSourceParts.string(image.virtualizationType)
        return DataRead(attributes: attributes, objects: [(image.imageId, image.tags)])
    }
}
