#pragma once
// A profile for tidings-media-chat: one chat of N photo messages (received and mine), each with
// a distinct inline thumbnail (a real tiny JPEG, as senders make them) and its full picture
// downloaded into the profile's media folder (real JPEGs at the size photos are sent, 2560 px on
// the long side, hard-linked from a few dozen distinct files to keep the disk use small). Written
// through the client's own stores (sealed message bodies and attachment pointers), as
// tidings-ui-datagen does for text.
#include <QString>

namespace tidings::bench {

struct ChatSeedOptions {
    QString profile;
    int photos = 1000;
    int distinctFiles = 40; //!< full pictures on disk; the rest are hard links to them
    int captionEvery = 5;   //!< every n-th photo has a caption
};

//! Returns an empty string on success, else what failed. Prints one JSON line on success.
QString seedPhotoChat(const ChatSeedOptions &options);

//! The id of the seeded chat.
inline constexpr quint64 kPhotoChat = 1;
//! A chat with one newer text (the window opens it first).
inline constexpr quint64 kTextChat = 2;

} // namespace tidings::bench
