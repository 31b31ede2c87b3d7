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
class Media;
class RevokedDevices;
class Metrics;

struct Services {
    Accounts *accounts = nullptr;
    Messaging *messaging = nullptr;
    Groups *groups = nullptr;
    Presence *presence = nullptr;
    Contacts *contacts = nullptr;
    Keys *keys = nullptr;
    Profiles *profiles = nullptr;
    Media *media = nullptr; //!< null: this server has no media store
    //! Devices revoked while the server runs: their connections' requests are refused (the
    //! connection is closed) even when they were admitted before the revocation.
    const RevokedDevices *revoked = nullptr;
    //! What is counted for /metrics; null: nothing is (tests with fakes).
    Metrics *metrics = nullptr;
};

} // namespace tidings::server
