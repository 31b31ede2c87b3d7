#include "media_types.h"

namespace tidings::client::media {

const char *mediaErrorName(MediaErrorCode code) {
    switch (code) {
    case MediaErrorCode::Unreadable:
        return "UNREADABLE";
    case MediaErrorCode::Empty:
        return "EMPTY";
    case MediaErrorCode::Corrupt:
        return "CORRUPT";
    case MediaErrorCode::TooLarge:
        return "TOO_LARGE";
    case MediaErrorCode::Unsupported:
        return "UNSUPPORTED";
    case MediaErrorCode::Timeout:
        return "TIMEOUT";
    case MediaErrorCode::Encode:
        return "ENCODE";
    }
    return "CORRUPT";
}

} // namespace tidings::client::media
