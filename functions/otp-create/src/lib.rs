//! `POST /otp` behind an API Gateway REST proxy integration: issues a one-time code.
//!
//! Body (JSON, base64 accepted, at most [`otp::request::MAX_BODY_BYTES`] bytes):
//! `{"email": "...", "channel": "email" | "sms"}`; `channel` defaults to `email`, `sms` only
//! when `OTP_SMS_ENABLED=true`; unknown or repeated members (`phone_number` included) are
//! refused ([`validation`]; address rules and normal form in [`otp::email`]).
//!
//! For a valid request: with `sms`, read the number registered for the address
//! ([`otp::registration`]; none: stop here, nothing sent or stored); store the keyed hash of
//! a fresh code **unless the address has a live code** (unused, not expired, fewer than
//! `OTP_MAX_ATTEMPTS` wrong guesses: then stop, nothing sent, the live code stays valid);
//! count the send against each limit ([`otp::store`]); if none refuses it, send the code
//! ([`delivery`]), else delete the code just stored.
//!
//! # Contract
//!
//! | Case | Status |
//! |---|---|
//! | valid request: sent, or not sent because a live code exists, a limit refused it or (`sms`) no number is registered | `202 {"status": "accepted", "expires_in": OTP_TTL_SECONDS}` |
//! | invalid body | `400 {"error", "details": [{"field", "message"}]}` (`field` null for the body as a whole) |
//! | body too large | `413`; method other than POST: `405` |
//! | SES / SNS refused or failed | `502 {"error": "the code could not be delivered", "request_id"}` |
//! | table, secret or RNG failure | `500 {"error": "internal error", "request_id"}` |
//!
//! The 202 is identical whether the address was seen before, limited, has a live code, has
//! a registered number or was sent to, so the response tells nothing about an address. **A
//! failed delivery deletes the stored code** (conditionally: only if it is still the one just
//! written), so no code nobody received stays redeemable; the send still counts against the
//! limits (failures cannot be used to send more). The code appears only in the message; logs
//! name the address by its keyed hash (`address_id`).
//!
//! **A new request never invalidates a code already delivered.** While the address's code is
//! live, a request sends nothing and answers the same 202: whoever asked, the code that
//! counts is the one in the owner's inbox (the latest message). Several live codes per
//! address were the alternative; they multiply a guesser's chances by their number and make
//! verifying a search, for no gain to the owner, who needs one code. The cost: a message
//! that was lost cannot be replaced until its code dies (`OTP_TTL_SECONDS`, 5 minutes by
//! default), or is spent or guessed out. An attacker who guesses a code out
//! (`OTP_MAX_ATTEMPTS` wrong guesses) can still use up the owner's sends for a window; that
//! needs guesses at `POST /otp/verify`, which a WAF rate rule per source address bounds
//! (README, "Two-factor abuse").
//!
//! # Limits
//!
//! A send counts against, in order, and is refused (202, nothing sent, the stored code
//! deleted) by the first that is spent:
//!
//! 1. the **mailbox** ([`otp::email::mailbox`]: lower-cased, `+tag` dropped, dots dropped at
//!    Gmail), `OTP_MAX_SENDS` per `OTP_SEND_WINDOW_SECONDS`, so `a+1@x.com` and `a+2@x.com`
//!    share one limit;
//! 2. for SMS the **phone number**, as many per window (SMS pumping); for email the mail
//!    **domain** (of the mailbox), `OTP_DOMAIN_DAILY_LIMIT` per day, so that no one domain,
//!    a victim's or a spam trap's, gets the whole budget's mail and bounces;
//! 3. the **daily budget**, `OTP_DAILY_BUDGET` codes in all per day, which bounds the mail
//!    (and SMS) anyone can make the account send, and with it bounces and complaints that
//!    could get the account's SES sending paused. A request it refuses writes the
//!    `DailyBudgetExhausted` metric ([`metrics`]), on which the stack's alarm fires.
//!
//! Each is one conditional DynamoDB counter (a day is 24 hours from the counter's first
//! send). The most specific comes first, so a request refused by its own mailbox's limit
//! spends nothing of its domain's or of the budget. The budget is one item that every send
//! updates: DynamoDB takes about 1,000 writes a second on one key, far above what the
//! function's reserved concurrency and response floor let through (a few tens a second).
//!
//! # Timing
//!
//! What a valid request does depends on the address: whether it has a registered number,
//! a live code, spent limits, and above all whether an email or SMS is sent, an SES or SNS
//! call that takes tens to hundreds of milliseconds. The table calls could be made uniform;
//! the send cannot (there is no "send nothing" call that costs what a send costs). So every
//! valid request is answered **no sooner than `OTP_MIN_RESPONSE_MS`** (1 s by default) after
//! it arrived, whatever it did: the 202s, 500s and 502s of valid requests leave at the same
//! moment, and the response time tells nothing about the address. The floor must exceed
//! the slowest path; a request that takes longer logs `answered later than
//! OTP_MIN_RESPONSE_MS` (raise the floor when that is seen). Invalid bodies are answered at
//! once: their answer depends only on the body. The floor holds a function instance per
//! request, so a function serves at most (reserved concurrency / floor) requests a second.
//!
//! # Configuration (environment)
//!
//! | Variable | Meaning |
//! |---|---|
//! | `OTP_TABLE_NAME` | required: table, partition key `pk` (S), TTL attribute `expires_at` |
//! | `OTP_HASH_KEY_SECRET_ARN` | required: secret whose whole string (≥ 32 bytes) is the HMAC key |
//! | `OTP_SENDER` | required: `From` address, a verified SES identity |
//! | `OTP_SES_CONFIGURATION_SET` | optional: SES configuration set |
//! | `OTP_SMS_ENABLED` | optional, default `false`: accept `channel: "sms"` (sent to the registered number only) |
//! | `OTP_TTL_SECONDS` | optional, default 300: validity of a code |
//! | `OTP_MAX_ATTEMPTS` | optional, default 5: wrong guesses that kill a code (as `otp-verify`'s; a code below it is live and kept) |
//! | `OTP_MAX_SENDS` | optional, default 3: codes per mailbox (and per phone number) per window |
//! | `OTP_SEND_WINDOW_SECONDS` | optional, default 900: the window, starting at its first send |
//! | `OTP_DAILY_BUDGET` | optional, default 1000: codes sent in all per day |
//! | `OTP_DOMAIN_DAILY_LIMIT` | optional, default a quarter of the budget: codes sent to one mail domain per day |
//! | `OTP_MIN_RESPONSE_MS` | optional, default 1000: the least time a valid request takes to answer |
//! | `SECRETS_CACHE_TTL_SECONDS` | optional, default 300 |

pub mod config;
pub mod delivery;
pub mod handler;
pub mod metrics;
pub mod validation;

pub use config::Config;
pub use delivery::{AwsDelivery, Deliver, DeliveryError, Destination};
pub use handler::CreateOtp;
pub use metrics::{Emf, Metrics};
