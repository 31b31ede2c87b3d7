// Devices: the account key's lifecycle on the wire (docs/design/account-key-lifecycle.md) —
// handing the key on when a device leaves my list, taking up a key another of my devices handed
// on, setting up a recovery key, and recovering the account with it. The engine signs and keeps
// what is sent (E2eEngine::beginRotation …); this part moves the frames and settles each step by
// the server's answer.
#include "core/account/account.h"
#include "core/devices/devices.h"
#include "core/e2e/e2e_engine.h"
#include "core/keys/keys.h"
#include "core/logging.h"

namespace tidings::client {

namespace {
//! Answers after which the server certainly did not take a rotation or recovery.
bool refusedForGood(ErrorCode code) {
    switch (code) {
    case ErrorCode::IdentityMismatch:
    case ErrorCode::Forbidden:
    case ErrorCode::BadFrame:
    case ErrorCode::TooLarge:
    case ErrorCode::BadRecoveryKey:
    case ErrorCode::NoKeys:
        return true;
    default:
        return false;
    }
}
} // namespace

void Devices::rotate(const QList<e2e::DeviceAddress> &wanted, StatusHandler done) {
    auto request = m_keys->engine()->beginRotation(wanted);
    if (!request) {
        done(request.error());
        return;
    }
    qCInfo(lcClient) << "a device left my list: handing the account key on";
    sendRotation(*request, std::move(done));
}

void Devices::sendRotation(const wire::PublishDeviceListRequest &request, StatusHandler done) {
    Frame f;
    *f.mutable_publish_device_list_request() = request;
    m_requests->callOk(std::move(f), [this, done = std::move(done)](Status s) {
        e2e::E2eEngine *engine = m_keys->engine();
        if (!s) {
            // Refused for good (another device handed the key on first, or this one may not):
            // the new key is forgotten. Anything else (a lost answer, a database that failed
            // after it may have committed, a rate limit) keeps it for resumeRotation(), which
            // asks the server which key it holds.
            if (refusedForGood(s.error().code))
                if (auto a = engine->abandonRotation(); !a)
                    qCWarning(lcClient) << "rotation not abandoned:" << a.error().toString();
            done(s);
            return;
        }
        if (auto f = engine->finishRotation(); !f) {
            done(f);
            return;
        }
        rebindKeys(done);
    });
}

void Devices::resumeRotation(StatusHandler done) {
    e2e::E2eEngine *engine = m_keys->engine();
    auto pending = engine ? engine->pendingRotation()
                          : Result<std::optional<wire::PublishDeviceListRequest>>(std::nullopt);
    if (!pending) {
        done(pending.error());
        return;
    }
    if (!*pending) {
        done({});
        return;
    }
    Frame listReq;
    listReq.mutable_device_list_request()->set_user_id(m_account->userId());
    m_requests->call<wire::DeviceListResponse>(
        std::move(listReq), Retry::AfterReconnect,
        [this, engine, request = **pending, done](Result<wire::DeviceListResponse> r) {
            if (!r) {
                done(r.error());
                return;
            }
            const QByteArray published = QByteArray::fromStdString(r->account_key());
            if (published == engine->pendingAccountKey()) {
                // The server has it: only the answer was lost.
                if (auto f = engine->finishRotation(); !f) {
                    done(f);
                    return;
                }
                rebindKeys(done);
                return;
            }
            if (engine->hasAccountKey() && published == engine->accountKey()) {
                sendRotation(request, done); // never arrived: the same bytes again
                return;
            }
            // Another key won (or a recovery that never reached the server): start over.
            if (auto a = engine->abandonRotation(); !a) {
                done(a);
                return;
            }
            done({});
        });
}

void Devices::takeUpAccountKey(std::function<void(Result<bool>)> done) {
    Frame f;
    f.mutable_account_key_request();
    m_requests->call<wire::AccountKeyPush>(std::move(f), Retry::AfterReconnect,
                                           [this, done](Result<wire::AccountKeyPush> r) {
                                               if (!r) {
                                                   done(r.error());
                                                   return;
                                               }
                                               auto adopted = m_keys->engine()->adoptHandoff(*r);
                                               if (!adopted || !*adopted) {
                                                   done(adopted);
                                                   return;
                                               }
                                               rebindKeys([done](Status s) {
                                                   if (!s)
                                                       done(s.error());
                                                   else
                                                       done(true);
                                               });
                                           });
}

void Devices::handleAccountKeyPush(const wire::AccountKeyPush &push) {
    e2e::E2eEngine *engine = m_keys->engine();
    if (!engine || !engine->hasAccountKey())
        return;
    auto adopted = engine->adoptHandoff(push);
    if (!adopted) {
        qCWarning(lcClient) << "account key handoff refused:" << adopted.error().toString();
        return;
    }
    auto after = [](Status s) {
        if (!s)
            qCWarning(lcClient) << "new account key not taken up:" << s.error().toString();
    };
    if (*adopted) {
        rebindKeys(after);
        return;
    }
    // Not from my key (I missed a rotation while offline): ask for the whole chain.
    takeUpAccountKey([after](Result<bool> r) { after(r ? Status() : Status(r.error())); });
}

void Devices::rebindKeys(StatusHandler done) {
    const AccountSettings &me = m_account->settings();
    auto request = m_keys->engine()->ensureDeviceKeys(me.userId, me.deviceId, false);
    if (!request) {
        done(request.error());
        return;
    }
    m_keys->uploadKeys(*request, [this, done = std::move(done)](Status s) {
        if (s)
            emit accountKeyChanged();
        done(s);
    });
}

bool Devices::hasRecoveryKey() const {
    e2e::E2eEngine *engine = m_keys->engine();
    return engine && engine->hasRecoveryKey();
}

void Devices::createRecoveryKey(const QString &password, CodeHandler done) {
    e2e::E2eEngine *engine = m_keys->engine();
    if (!engine || !engine->hasAccountKey()) {
        done(Error{ErrorCode::Usage,
                   QStringLiteral("only a linked device can set up a recovery key")});
        return;
    }
    // From my current list: publishDeviceList first settles what the server has.
    publishDeviceList([this, engine, password, done](Status ready) {
        if (!ready && ready.error().code != ErrorCode::Usage) {
            done(ready.error());
            return;
        }
        auto created = engine->createRecoveryKey();
        if (!created) {
            done(created.error());
            return;
        }
        wire::PublishDeviceListRequest request = created->second;
        request.set_password(password.toStdString());
        Frame f;
        *f.mutable_publish_device_list_request() = request;
        wire::PublishDeviceListRequest stored = request;
        stored.clear_password();
        auto finish = [engine, stored, text = created->first, done] {
            if (auto f = engine->finishRecoveryKey(stored); !f) {
                done(f.error());
                return;
            }
            done(text);
        };
        m_requests->callOk(std::move(f), [this, stored, finish, done](Status s) {
            if (s) {
                finish();
                return;
            }
            if (!isTransport(s.error().code)) {
                done(s.error());
                return;
            }
            // The answer was lost: the server may have taken the new key (and the one written
            // down before no longer works). Its list says which; the text is shown only if so.
            Frame listReq;
            listReq.mutable_device_list_request()->set_user_id(m_account->userId());
            m_requests->call<wire::DeviceListResponse>(
                std::move(listReq), Retry::AfterReconnect,
                [stored, finish, done, lost = s.error()](Result<wire::DeviceListResponse> r) {
                    if (r && r->signed_list() == stored.signed_list())
                        finish();
                    else
                        done(lost);
                });
        });
    });
}

void Devices::recoverAccount(const QString &recoveryKey, StatusHandler done) {
    e2e::E2eEngine *engine = m_keys->engine();
    if (!engine) {
        done(encryptionNotEnabled());
        return;
    }
    if (engine->hasAccountKey()) {
        done(Error{ErrorCode::Usage, QStringLiteral("this device is linked already")});
        return;
    }
    // An earlier attempt whose answer was lost is settled first (it may have gone through).
    resumeRotation([this, engine, recoveryKey, done](Status resumed) {
        if (!resumed) {
            done(resumed);
            return;
        }
        if (engine->hasAccountKey()) {
            emit encryptionReady();
            done({});
            return;
        }
        recoverAttempt(recoveryKey, kRecoveryAttempts, done);
    });
}

void Devices::recoverAttempt(const QString &recoveryKey, int attemptsLeft, StatusHandler done) {
    e2e::E2eEngine *engine = m_keys->engine();
    Frame listReq;
    listReq.mutable_device_list_request()->set_user_id(m_account->userId());
    m_requests->call<wire::DeviceListResponse>(
        std::move(listReq), Retry::AfterReconnect,
        [this, engine, recoveryKey, attemptsLeft, done](Result<wire::DeviceListResponse> mine) {
            if (!mine) {
                done(mine.error());
                return;
            }
            if (mine->signed_list().empty()) {
                done(Error{ErrorCode::NoKeys,
                           QStringLiteral("this account has no encryption keys to recover")});
                return;
            }
            auto request = engine->beginRecovery(recoveryKey, *mine);
            if (!request) {
                done(request.error());
                return;
            }
            Frame f;
            *f.mutable_recover_account_request() = *request;
            m_requests->call<wire::RecoverAccountResponse>(
                std::move(f), Retry::No,
                [this, engine, recoveryKey, attemptsLeft,
                 done](Result<wire::RecoverAccountResponse> r) {
                    if (!r) {
                        if (refusedForGood(r.error().code))
                            (void)engine->abandonRotation();
                        // The list changed between reading and recovering (another device
                        // published): read it again and sign again.
                        if (r.error().code == ErrorCode::IdentityMismatch && attemptsLeft > 1) {
                            recoverAttempt(recoveryKey, attemptsLeft - 1, done);
                            return;
                        }
                        done(r.error());
                        return;
                    }
                    if (auto f = engine->finishRecovery(); !f) {
                        done(f);
                        return;
                    }
                    qCInfo(lcClient) << "account recovered;" << r->logged_out_device_ids_size()
                                     << "other devices logged out";
                    emit encryptionReady();
                    emit accountKeyChanged();
                    done({});
                });
        });
}

} // namespace tidings::client
