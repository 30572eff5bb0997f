import Testing

@Suite(.timeLimit(.minutes(10)))
struct StateNormaliserTests {
    @Test func idsArePlaceholdersPerPrefixInOrderOfAppearanceWithTheirLength() {
        let text = #"["i-94de2423e9f76e7e2", "arn:aws:ec2:us-east-1:123456789012:instance/i-aa28f2f3205f4e346", "sg-bd672e0ff630c6c55", "i-94de2423e9f76e7e2", "vpc-5a361ab6", "ami-1ecae776", "tachyon-vagrant-test"]"#
        #expect(StateNormaliser.normalise(text) == #"["i-00000000000000001", "arn:aws:ec2:us-east-1:123456789012:instance/i-00000000000000002", "sg-00000000000000001", "i-00000000000000001", "vpc-00000001", "ami-1ecae776", "tachyon-vagrant-test"]"#)
    }

    @Test func addressesAndTheDNSNamesThatEmbedThemShareTheirPlaceholders() {
        let text = #"["ip-10-87-191-47.ec2.internal", "10.87.191.47", "ec2-54-214-67-22.compute-1.amazonaws.com", "http://54.214.67.22:19999", "10.105.206.115", "172.31.0.0/16", "0.0.0.0/0", "10.0.0.12/24", "0.1.0"]"#
        #expect(StateNormaliser.normalise(text) == #"["ip-172-31-0-10.ec2.internal", "172.31.0.10", "ec2-203-0-113-10.compute-1.amazonaws.com", "http://203.0.113.10:19999", "172.31.0.11", "172.31.0.0/16", "0.0.0.0/0", "10.0.0.12/24", "0.1.0"]"#)
    }

    @Test func serialBecomesOneAndNothingElseMoves() {
        let text = "{\n  \"lineage\": \"5f3c2b1a-fixture-lineage\",\n  \"serial\": 13,\n  \"stack\": \"tachyon\",\n  \"owner_id\": \"123456789012\"\n}\n"
        #expect(StateNormaliser.normalise(text) == "{\n  \"lineage\": \"5f3c2b1a-fixture-lineage\",\n  \"serial\": 1,\n  \"stack\": \"tachyon\",\n  \"owner_id\": \"123456789012\"\n}\n")
    }

    @Test func theCreationTimeBecomesAFixedOne() {
        let text = #"{"private": "created_at=1796223026;stopped_for_update", "serial": 4}"#
        #expect(StateNormaliser.normalise(text) == #"{"private": "created_at=1700000000;stopped_for_update", "serial": 1}"#)
    }
}
