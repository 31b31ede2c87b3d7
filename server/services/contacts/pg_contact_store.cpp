#include "services/contacts/pg_contact_store.h"

#include "core/logging.h"
#include "db/pg_connection.h"
#include "services/common/errors.h"

namespace tidings::server {

namespace {

QByteArray statementFor(ContactAction action) {
    switch (action) {
    case ContactAction::Add:
        return "INSERT INTO contacts (owner_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";
    case ContactAction::Remove:
        return "DELETE FROM contacts WHERE owner_id = $1 AND user_id = $2";
    case ContactAction::Block:
        return "INSERT INTO blocks (owner_id, blocked_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";
    case ContactAction::Unblock:
        break;
    }
    return "DELETE FROM blocks WHERE owner_id = $1 AND blocked_id = $2";
}

} // namespace

void PgContactStore::findUser(const QString &username, Callback<std::optional<quint64>> cb) {
    m_pool.any()->exec(PgQuery{"SELECT id FROM users WHERE username = $1", {}, {}}.arg(username),
                       [cb](PgResult r) {
                           if (!r.ok())
                               return cb(databaseError(r, lcContacts()));
                           if (r.rows() == 0)
                               return cb(std::optional<quint64>{});
                           cb(std::optional<quint64>{quint64(r.int64(0, "id"))});
                       });
}

void PgContactStore::apply(quint64 owner, ContactAction action, quint64 other,
                           std::function<void(Status)> cb) {
    m_pool.any()->exec(PgQuery{statementFor(action), {}, {}}.arg(owner).arg(other),
                       [cb](PgResult r) {
                           if (!r.ok())
                               return cb(databaseError(r, lcContacts()));
                           cb(Status{});
                       });
}

void PgContactStore::list(quint64 owner, Callback<ContactList> cb) {
    m_pool.any()->exec(
        // One row per contact or block; always at least one (for my own privacy setting).
        PgQuery{"SELECT me.last_seen_visibility, u.id, u.username, "
                "EXISTS (SELECT 1 FROM contacts c WHERE c.owner_id = $1 AND c.user_id = u.id) "
                "AS contact, "
                "EXISTS (SELECT 1 FROM blocks b WHERE b.owner_id = $1 AND b.blocked_id = u.id) "
                "AS blocked "
                "FROM users me LEFT JOIN users u ON u.id IN (SELECT user_id FROM contacts WHERE "
                "owner_id = $1 UNION SELECT blocked_id FROM blocks WHERE owner_id = $1) "
                "WHERE me.id = $1 ORDER BY u.username",
                {},
                {}}
            .arg(owner),
        [cb](PgResult r) {
            if (!r.ok())
                return cb(databaseError(r, lcContacts()));
            const int cVisibility = r.column("last_seen_visibility"), cId = r.column("id"),
                      cName = r.column("username"), cContact = r.column("contact"),
                      cBlocked = r.column("blocked");
            ContactList out;
            for (int i = 0; i < r.rows(); ++i) {
                out.lastSeen = Visibility(r.int64(i, cVisibility));
                if (r.isNull(i, cId))
                    continue;
                out.entries.push_back(ContactEntry{quint64(r.int64(i, cId)), r.string(i, cName),
                                                   r.boolean(i, cContact), r.boolean(i, cBlocked)});
            }
            cb(std::move(out));
        });
}

} // namespace tidings::server
