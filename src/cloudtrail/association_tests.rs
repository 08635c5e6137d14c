//! EC2 write events on associations, attachments and routes, each on a whole record shaped as
//! CloudTrail delivers it, read through the loader: which covered resource each one changed.
//! Several of these requests name only an association (`rtbassoc-`, `eipassoc-`), never the
//! table or address it joins.

use serde_json::{json, Value};

use super::parse_bytes;

const TABLE: &str = "rtb-0a1b2c3d4e5f60718";
const SUBNET: &str = "subnet-0b2c3d4e5f6071829";
const RTB_ASSOC: &str = "rtbassoc-0c3d4e5f60718293a";
const NEW_RTB_ASSOC: &str = "rtbassoc-0d4e5f60718293a4b";
const ALLOCATION: &str = "eipalloc-0e5f60718293a4b5c";
const EIP_ASSOC: &str = "eipassoc-0f60718293a4b5c6d";
const INSTANCE: &str = "i-0d3ce4da2062a0b2b";
const ENI: &str = "eni-0718293a4b5c6d7e8";

/// A successful EC2 call as CloudTrail logs it, by an IAM user from the console.
fn record(event_name: &str, request: Value, response: Value) -> Value {
    json!({
        "eventVersion": "1.09",
        "userIdentity": {"type": "IAMUser", "principalId": "AIDAQXAMPLE5EXAMPLE7", "arn": "arn:aws:iam::123456789012:user/ana",
                         "accountId": "123456789012", "accessKeyId": "ASIAQXAMPLE5EXAMPLE7", "userName": "ana",
                         "sessionContext": {"attributes": {"creationDate": "2026-11-24T09:58:02Z", "mfaAuthenticated": "true"}}},
        "eventTime": "2026-11-24T10:04:11Z",
        "eventSource": "ec2.amazonaws.com",
        "eventName": event_name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": "198.51.100.7",
        "userAgent": "AWS Internal",
        "requestParameters": request,
        "responseElements": response,
        "requestID": "7a1c3b9e-58f2-4c6d-9e0a-1b2c3d4e5f60",
        "eventID": format!("{event_name}-4e8f6a2c"),
        "readOnly": false,
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "recipientAccountId": "123456789012",
        "eventCategory": "Management",
        "sessionCredentialFromConsole": "true"
    })
}

/// What the event changed, as (type, id), read as `learn` reads a delivered file.
fn changed(event_name: &str, request: Value, response: Value) -> Vec<(String, String)> {
    let file = json!({"Records": [record(event_name, request, response)]});
    let events = parse_bytes("trail.json", file.to_string().as_bytes()).unwrap();
    events.into_iter().flat_map(|e| e.resources).map(|r| (r.rtype, r.id)).collect()
}

fn is(rtype: &str, id: &str) -> (String, String) {
    (rtype.to_owned(), id.to_owned())
}

/// `"requestId"` and `"_return"`, as every EC2 response has them.
fn done(extra: Value) -> Value {
    let mut r = json!({"requestId": "7a1c3b9e-58f2-4c6d-9e0a-1b2c3d4e5f60", "_return": true});
    r.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    r
}

#[test]
fn associate_route_table() {
    let req = json!({"routeTableId": TABLE, "subnetId": SUBNET});
    let resp =
        json!({"requestId": "7a1c3b9e", "associationId": RTB_ASSOC, "associationState": {"state": "associated"}});
    assert_eq!(
        changed("AssociateRouteTable", req, resp),
        [is("aws_route_table", TABLE), is("aws_route_table_association", RTB_ASSOC)]
    );
}

#[test]
fn disassociate_route_table() {
    let req = json!({"associationId": RTB_ASSOC});
    assert_eq!(changed("DisassociateRouteTable", req, done(json!({}))), [is("aws_route_table_association", RTB_ASSOC)]);
}

#[test]
fn replace_route_table_association() {
    let req = json!({"associationId": RTB_ASSOC, "routeTableId": TABLE});
    let resp = json!({"requestId": "7a1c3b9e", "newAssociationId": NEW_RTB_ASSOC, "associationState": {"state": "associated"}});
    assert_eq!(
        changed("ReplaceRouteTableAssociation", req, resp),
        [
            is("aws_route_table", TABLE),
            is("aws_route_table_association", RTB_ASSOC),
            is("aws_route_table_association", NEW_RTB_ASSOC)
        ]
    );
}

#[test]
fn associate_address() {
    let req = json!({"allocationId": ALLOCATION, "instanceId": INSTANCE, "allowReassociation": false});
    let resp = done(json!({"associationId": EIP_ASSOC}));
    assert_eq!(
        changed("AssociateAddress", req, resp),
        [is("aws_eip", ALLOCATION), is("aws_eip_association", EIP_ASSOC)]
    );
}

#[test]
fn disassociate_address() {
    let req = json!({"associationId": EIP_ASSOC});
    assert_eq!(changed("DisassociateAddress", req, done(json!({}))), [is("aws_eip_association", EIP_ASSOC)]);
}

/// The provider's ids of these routes: `r-` + table + CRC-32 of the destination
/// (`r-rtb-0a1b2c3d4e5f607181080289494` is what `terraform import` takes for 0.0.0.0/0).
#[test]
fn create_route() {
    let req = json!({"routeTableId": TABLE, "destinationCidrBlock": "0.0.0.0/0", "gatewayId": "igw-0a1b2c3d4e5f60718"});
    assert_eq!(
        changed("CreateRoute", req, done(json!({}))),
        [is("aws_route_table", TABLE), is("aws_route", "r-rtb-0a1b2c3d4e5f607181080289494")]
    );
}

#[test]
fn delete_route() {
    let req = json!({"routeTableId": TABLE, "destinationIpv6CidrBlock": "::/0"});
    assert_eq!(
        changed("DeleteRoute", req, done(json!({}))),
        [is("aws_route_table", TABLE), is("aws_route", "r-rtb-0a1b2c3d4e5f607182750132062")]
    );
}

#[test]
fn replace_route() {
    let req = json!({"routeTableId": TABLE, "destinationPrefixListId": "pl-0123abcd", "natGatewayId": "nat-0a1b2c3d4e5f60718"});
    assert_eq!(
        changed("ReplaceRoute", req, done(json!({}))),
        [is("aws_route_table", TABLE), is("aws_route", "r-rtb-0a1b2c3d4e5f607183320637811")]
    );
}

#[test]
fn enable_vgw_route_propagation() {
    let req = json!({"routeTableId": TABLE, "gatewayId": "vgw-0a1b2c3d4e5f60718"});
    assert_eq!(changed("EnableVgwRoutePropagation", req, done(json!({}))), [is("aws_route_table", TABLE)]);
}

#[test]
fn disable_vgw_route_propagation() {
    let req = json!({"routeTableId": TABLE, "gatewayId": "vgw-0a1b2c3d4e5f60718"});
    assert_eq!(changed("DisableVgwRoutePropagation", req, done(json!({}))), [is("aws_route_table", TABLE)]);
}

#[test]
fn attach_network_interface() {
    let req = json!({"networkInterfaceId": ENI, "instanceId": INSTANCE, "deviceIndex": 1});
    let resp = json!({"requestId": "7a1c3b9e", "attachmentId": "eni-attach-0a1b2c3d4e5f60718"});
    assert_eq!(
        changed("AttachNetworkInterface", req, resp),
        [is("aws_network_interface", ENI), is("aws_instance", INSTANCE)]
    );
}

/// Only the attachment is named, and no covered type has its id: no change is recorded, rather
/// than one on a resource it may not be.
#[test]
fn detach_network_interface() {
    let req = json!({"attachmentId": "eni-attach-0a1b2c3d4e5f60718", "force": false});
    assert_eq!(changed("DetachNetworkInterface", req, done(json!({}))), []);
}

#[test]
fn assign_private_ip_addresses() {
    let req = json!({"networkInterfaceId": ENI, "secondaryPrivateIpAddressCount": 1});
    let resp = done(
        json!({"networkInterfaceId": ENI, "assignedPrivateIpAddressesSet": {"items": [{"privateIpAddress": "10.10.0.31"}]}}),
    );
    assert_eq!(changed("AssignPrivateIpAddresses", req, resp), [is("aws_network_interface", ENI)]);
}

#[test]
fn unassign_private_ip_addresses() {
    let req = json!({"networkInterfaceId": ENI, "privateIpAddress": {"items": [{"privateIpAddress": "10.10.0.31"}]}});
    assert_eq!(changed("UnassignPrivateIpAddresses", req, done(json!({}))), [is("aws_network_interface", ENI)]);
}

#[test]
fn assign_ipv6_addresses() {
    let req = json!({"networkInterfaceId": ENI, "ipv6AddressCount": 1});
    let resp = json!({"requestId": "7a1c3b9e", "networkInterfaceId": ENI, "assignedIpv6Addresses": {"items": [{"item": "2600:1f18::31"}]}});
    assert_eq!(changed("AssignIpv6Addresses", req, resp), [is("aws_network_interface", ENI)]);
}

#[test]
fn unassign_ipv6_addresses() {
    let req = json!({"networkInterfaceId": ENI, "ipv6Addresses": {"items": [{"item": "2600:1f18::31"}]}});
    let resp = json!({"requestId": "7a1c3b9e", "networkInterfaceId": ENI, "unassignedIpv6Addresses": {"items": [{"item": "2600:1f18::31"}]}});
    assert_eq!(changed("UnassignIpv6Addresses", req, resp), [is("aws_network_interface", ENI)]);
}

/// The CIDR associations name the association in the request and the VPC or subnet only in the
/// response; the association itself is no covered resource, the VPC or subnet changed.
#[test]
fn disassociate_vpc_and_subnet_cidr_blocks() {
    let vpc = "vpc-0a1b2c3d4e5f60718";
    let req = json!({"associationId": "vpc-cidr-assoc-0a1b2c3d4e5f60718"});
    let resp = json!({"requestId": "7a1c3b9e", "vpcId": vpc, "cidrBlockAssociation": {"associationId": "vpc-cidr-assoc-0a1b2c3d4e5f60718",
                      "cidrBlock": "10.20.0.0/16", "cidrBlockState": {"state": "disassociating"}}});
    assert_eq!(changed("DisassociateVpcCidrBlock", req, resp), [is("aws_vpc", vpc)]);
    let req = json!({"associationId": "subnet-cidr-assoc-0a1b2c3d4e5f60718"});
    let resp = json!({"requestId": "7a1c3b9e", "subnetId": SUBNET, "ipv6CidrBlockAssociation": {"associationId": "subnet-cidr-assoc-0a1b2c3d4e5f60718",
                      "ipv6CidrBlock": "2600:1f18::/64", "ipv6CidrBlockState": {"state": "disassociating"}}});
    assert_eq!(changed("DisassociateSubnetCidrBlock", req, resp), [is("aws_subnet", SUBNET)]);
}

/// An instance profile association (iip-assoc-) is the instance's `iam_instance_profile`.
#[test]
fn disassociate_and_replace_iam_instance_profile() {
    let association = |state: &str| {
        json!({"associationId": "iip-assoc-0a1b2c3d4e5f60718", "instanceId": INSTANCE, "state": state,
               "iamInstanceProfile": {"arn": "arn:aws:iam::123456789012:instance-profile/web", "id": "AIPAQXAMPLE5EXAMPLE7"}})
    };
    let req = json!({"DisassociateIamInstanceProfileRequest": {"AssociationId": "iip-assoc-0a1b2c3d4e5f60718"}});
    let resp = json!({"DisassociateIamInstanceProfileResponse": {"requestId": "7a1c3b9e", "iamInstanceProfileAssociation": association("disassociating")}});
    assert_eq!(changed("DisassociateIamInstanceProfile", req, resp), [is("aws_instance", INSTANCE)]);
    let req = json!({"ReplaceIamInstanceProfileAssociationRequest": {"AssociationId": "iip-assoc-0a1b2c3d4e5f60718",
                     "IamInstanceProfile": {"Name": "web-v2"}}});
    let resp = json!({"ReplaceIamInstanceProfileAssociationResponse": {"requestId": "7a1c3b9e", "iamInstanceProfileAssociation": association("associating")}});
    assert_eq!(changed("ReplaceIamInstanceProfileAssociation", req, resp), [is("aws_instance", INSTANCE)]);
}

/// The new ACL is named, with the association that goes and the one that replaces it; the ACL
/// the subnet leaves is not named in the request or the response.
#[test]
fn replace_network_acl_association() {
    let req = json!({"associationId": "aclassoc-0a1b2c3d4e5f60718", "networkAclId": "acl-0a1b2c3d4e5f60718"});
    let resp = json!({"requestId": "7a1c3b9e", "newAssociationId": "aclassoc-0b2c3d4e5f6071829"});
    assert_eq!(
        changed("ReplaceNetworkAclAssociation", req, resp),
        [
            is("aws_network_acl", "acl-0a1b2c3d4e5f60718"),
            is("aws_network_acl_association", "aclassoc-0a1b2c3d4e5f60718"),
            is("aws_network_acl_association", "aclassoc-0b2c3d4e5f6071829"),
        ]
    );
}
