#pragma once
// The services a gateway dispatches to, by their gateway-facing interfaces (owned elsewhere: by
// the Server, or by a test with fakes).
namespace tidings::server {

class Accounts;
class Messaging;
class Groups;
class Presence;
class Contacts;
class Keys;
class Profiles;

struct Services {
    Accounts *accounts = nullptr;
    Messaging *messaging = nullptr;
    Groups *groups = nullptr;
    Presence *presence = nullptr;
    Contacts *contacts = nullptr;
    Keys *keys = nullptr;
    Profiles *profiles = nullptr;
};

} // namespace tidings::server
