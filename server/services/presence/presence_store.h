#pragma once
// What presence needs from storage: the facts that decide visibility, and last-seen writes.
#include "services/presence/presence.h"

#include <functional>
#include <vector>

namespace tidings::server {

//! One target user as a viewer's query sees it.
struct VisibilityFacts {
    quint64 userId = 0;
    QString username;
    Visibility lastSeenVisibility = Visibility::Everyone; //!< the target's setting
    qint64 lastSeenMs = 0;
    bool viewerIsContact = false; //!< the target has the viewer in its contacts
    bool blocksViewer = false;
    Visibility viewerVisibility = Visibility::Everyone; //!< the viewer's own setting
};

class PresenceStore {
public:
    template <typename T> using Callback = std::function<void(Result<T>)>;

    virtual ~PresenceStore() = default;

    //! Facts about the users called `usernames` (unknown names left out).
    virtual void factsByName(quint64 viewer, const QStringList &usernames,
                             Callback<std::vector<VisibilityFacts>> cb) = 0;
    virtual void factsById(quint64 viewer, const std::vector<quint64> &userIds,
                           Callback<std::vector<VisibilityFacts>> cb) = 0;
    //! Best effort: nobody waits for it.
    virtual void setLastSeen(quint64 userId, qint64 atMs) = 0;
    virtual void setVisibility(quint64 userId, Visibility visibility,
                               std::function<void(Status)> cb) = 0;
};

} // namespace tidings::server
