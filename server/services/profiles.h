#pragma once
// Display names: set your own, look up others' by username.
#include "protocol/codec.h"

#include <QObject>

namespace tidings::server {

class PgPool;
class Session;

class ProfileService : public QObject {
    Q_OBJECT
public:
    explicit ProfileService(PgPool *pool, QObject *parent = nullptr);

    void setProfile(Session *session, quint64 requestId, const wire::SetProfileRequest &req);
    //! Unknown usernames are left out of the answer.
    void profiles(Session *session, quint64 requestId, const wire::ProfilesRequest &req);

private:
    PgPool *m_pool;
};

} // namespace tidings::server
