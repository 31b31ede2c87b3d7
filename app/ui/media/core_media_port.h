#pragma once
// MediaPort over the client core's media module (client::Media of plan/MEDIA.md). Built only when
// the core has it (app/core/media/media.h); until then makeCoreMediaPort() returns null and the
// desktop shows no attach, voice or media features.
#include "media/media_port.h"

#include <memory>

namespace tidings::client {
class Client;
}

namespace tidings::ui {

//! The port over `client->media()`, or null when this build's core has no media module.
std::unique_ptr<MediaPort> makeCoreMediaPort(client::Client *client);

} // namespace tidings::ui
