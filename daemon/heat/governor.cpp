#include "heat/governor.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace bedtimed::heat {

namespace {

std::string span(Duration d) {
    const auto s = std::chrono::duration_cast<Seconds>(d).count();
    if (s >= 60 && s % 60 == 0) return fmt::format("{} min", s / 60);
    return fmt::format("{} s", s);
}

Seconds whole_seconds(Duration d) {
    return std::max(Seconds(0), std::chrono::duration_cast<Seconds>(d));
}

struct Decider {
    PadState st;
    const Limits& limits;
    SteadyTime now;
    Verdict v;

    Verdict done() {
        v.next = st;
        return v;
    }
    Verdict refuse(std::string why) {
        v.refused = true;
        v.reason = "heat refused: " + std::move(why);
        return done();
    }
    // A command of `on` was sent: await its report, unless the last one
    // awaited already shows that state (a repeat needs no second report).
    void await_report(bool on) {
        if (!limits.reports_state) return;
        if (st.reports_awaited == 0 || st.last_commanded_on != on)
            st.reports_awaited = std::min(st.reports_awaited + 1, kMaxReportsAwaited);
        st.last_commanded_on = on;
        st.report_since_command.reset();
    }
    void send_off() {
        await_report(false);
        v.command = Command{false, Seconds(0)};
    }
    bool period_reached_cap() const { return st.on && now - st.on_since >= limits.max_on; }
    // Where a period starting now really starts: a break shorter than min_off
    // since the last OFF does not end the period before it.
    SteadyTime period_start() const {
        if (st.last_off_at && limits.min_off.count() > 0 && now - *st.last_off_at < limits.min_off)
            return now - st.period_used;
        return now;
    }
    // The pad is off from now on; `send` says whether the plug must be told.
    Verdict switched_off(std::string why, bool send) {
        if (period_reached_cap() && limits.min_off.count() > 0) {
            st.cool_until = now + limits.min_off;
            why += fmt::format("; no heat for the next {} (cool-down)", span(limits.min_off));
        }
        if (st.on) {
            st.last_off_at = now;
            st.period_used = std::min(limits.max_on, whole_seconds(now - st.on_since));
        }
        st.on_in_flight = false;
        st.on = false;
        st.origin = Origin::none;
        st.device_off_at.reset();
        if (send) send_off();
        v.reason = std::move(why);
        return done();
    }
    // Tell the plug ON until `end`, with its own cap no later than the period's cap.
    // `extension`: the pad is already on; a pad confirmed ON stays confirmed,
    // so an OFF report now is a hand (or its timer), never an old state, even
    // while this ON is on its way.
    void command_on(SteadyTime end, std::optional<Seconds> device_cap, bool extension) {
        const SteadyTime cap_end = st.on_since + limits.max_on;
        st.off_at = end;
        if (!extension) await_report(true);
        st.on_in_flight = true;
        st.late_on_expected = false;
        if (limits.device_cap) {
            auto device = whole_seconds(std::min(end + kDeviceMargin, cap_end) - now);
            if (device_cap) device = std::min(device, *device_cap);
            st.device_off_at = now + device;
            v.command = Command{true, device};
        } else {
            st.device_off_at.reset();
            v.command = Command{true, Seconds(0)};
        }
    }

    Verdict operator()(const Request& r) {
        const bool resume = r.resume && st.interrupted_since;
        const SteadyTime since = resume ? *st.interrupted_since : period_start();
        st.interrupted_since.reset();
        if (st.manual_off_tonight) return refuse("the pad was switched off by hand tonight");
        if (st.asleep) return refuse("asleep");
        if (r.wanted.count() <= 0) return refuse("no time asked for");
        if (st.on) {
            const SteadyTime cap_end = st.on_since + limits.max_on;
            if (now >= cap_end) {
                v.safety_off = true;
                return switched_off("OFF (its " + span(limits.max_on) + " cap is reached)", true);
            }
            const SteadyTime end = std::min(cap_end, std::max(st.off_at, now + r.wanted));
            v.granted = whole_seconds(end - now);
            const std::string period =
                fmt::format("it has been on for {} of its {} cap",
                            span(whole_seconds(now - st.on_since)), span(limits.max_on));
            // Less than a second more would be an ON whose device cap rounds
            // down to 0 s, which means no device cap at all: keep the plug's
            // current timer instead.
            if (end <= st.off_at || end - now < Seconds(1)) {
                v.reason = fmt::format("already ON for {} s more ({}; {})", v.granted.count(),
                                       r.reason, period);
                return done();
            }
            st.origin = Origin::bedtimed;
            command_on(end, std::nullopt, /*extension=*/true);
            v.reason = fmt::format("ON for {} s more ({}; {}{})", v.granted.count(), r.reason,
                                   period, end < now + r.wanted ? "; all that is left of it" : "");
            return done();
        }
        if (st.cool_until && now < *st.cool_until)
            return refuse(fmt::format("cooling down for {} more after a full {} on",
                                      span(whole_seconds(*st.cool_until - now)),
                                      span(limits.max_on)));
        const SteadyTime cap_end = since + limits.max_on;
        if (cap_end <= now)
            return refuse(resume ? "the interrupted session had used its whole cap"
                                 : fmt::format("its {} of heat had no break of {} yet",
                                               span(limits.max_on), span(limits.min_off)));
        const SteadyTime end = std::min(cap_end, now + r.wanted);
        // The plug's cap is whole seconds and 0 s means "none": never switch
        // on for less than a second, nor with a device cap of 0 s.
        if (end - now < Seconds(1))
            return refuse(
                fmt::format("less than a second is left of the {} cap", span(limits.max_on)));
        if (limits.device_cap && r.device_cap && *r.device_cap < Seconds(1))
            return refuse("a device cap under 1 s would leave the plug with no cap of its own");
        st.on = true;
        st.origin = Origin::bedtimed;
        st.on_since = since;
        command_on(end, r.device_cap, /*extension=*/false);
        v.granted = whole_seconds(end - now);
        v.reason =
            fmt::format("ON for {} s ({}{}{})", v.granted.count(), r.reason,
                        end < now + r.wanted ? "; clamped to the cap" : "",
                        since < now && !resume
                            ? fmt::format("; {} of heat before a break shorter than {} counts",
                                          span(whole_seconds(now - since)), span(limits.min_off))
                            : "");
        return done();
    }

    Verdict operator()(const Release& r) {
        if (r.by_hand) {
            st.manual_off_tonight = true;
            v.manual_off = true;
        }
        const std::string tail = r.by_hand ? ": no more heat tonight" : "";
        if (!st.on) {
            // Off already, as far as we know: say it again, it costs nothing.
            send_off();
            v.reason = r.by_hand ? "off (" + r.reason + ")" + tail : "";
            return done();
        }
        return switched_off("OFF (" + r.reason + ")" + tail, true);
    }

    Verdict operator()(const Report& r) {
        if (r.on) st.on_in_flight = false;
        if (!st.confirmed()) {
            // Not the awaited state: an old state or a repeat of the report
            // before (or a hand, or a refusal, which ConfirmTimeout judges).
            st.report_since_command = r.on;
            if (r.on == st.awaited_next()) {
                --st.reports_awaited;
                if (st.confirmed() && !r.on) st.late_on_expected = false;
            }
            return done();
        }
        if (r.on == st.on) {
            if (!r.on) st.late_on_expected = false;
            return done();
        }
        if (r.on && st.late_on_expected) {
            // bedtimed's own ON, sent before the hand's OFF, arriving late.
            st.late_on_expected = false;
            send_off();
            v.safety_off = true;
            v.reason =
                "OFF again: the ON bedtimed sent before the hand switched it off reached the plug "
                "late";
            return done();
        }
        if (r.on) {
            const SteadyTime since = period_start();
            if (st.asleep || since + limits.max_on <= now) {
                v.safety_off = true;
                st.on = true;  // for switched_off's bookkeeping: it is on now
                st.on_since = since;
                return switched_off(
                    st.asleep ? "switched on outside bedtimed while asleep: off at once"
                              : fmt::format("switched on outside bedtimed, but its {} of heat had "
                                            "no break of {} yet: off at once",
                                            span(limits.max_on), span(limits.min_off)),
                    true);
            }
            st.on = true;
            st.origin = Origin::outside;
            st.on_since = since;
            st.off_at = since + limits.max_on;
            st.device_off_at.reset();
            const Seconds left = whole_seconds(st.off_at - now);
            if (limits.device_cap && left >= Seconds(1)) {
                // Arm the plug's own cap too, so it stops even if bedtimed dies.
                st.device_off_at = now + left;
                v.command = Command{true, left};
            }
            v.reason =
                "turned on outside bedtimed: it will be switched off at its " +
                span(limits.max_on) + " cap" +
                (since < now ? fmt::format(" ({} left after a short break)", span(left)) : "");
            return done();
        }
        // OFF, and bedtimed had it on.
        if (st.device_off_at && now + kDeviceTimerTolerance >= *st.device_off_at)
            return switched_off("the plug's own timer switched it off", false);
        st.late_on_expected = st.on_in_flight;
        st.on_in_flight = false;
        std::string why = "switched off by hand: no more heat tonight";
        if (st.device_off_at)
            why += fmt::format(
                " (if it was the plug's own timer, it fired {} before the cap it was given)",
                span(whole_seconds(*st.device_off_at - now)));
        st.manual_off_tonight = true;
        v.manual_off = true;
        return switched_off(std::move(why), false);
    }

    Verdict operator()(const SleepChanged& s) {
        st.asleep = s.asleep;
        if (s.asleep && st.on) {
            v.safety_off = true;
            return switched_off("pad off: asleep (" + s.reason + ")", true);
        }
        return done();
    }

    Verdict operator()(const Tick&) {
        if (st.cool_until && now >= *st.cool_until) st.cool_until.reset();
        if (!st.on) return done();
        if (st.asleep) {
            v.safety_off = true;
            return switched_off("pad off: asleep", true);
        }
        if (now < st.off_at) return done();
        const bool capped = period_reached_cap();
        v.safety_off = capped || st.origin == Origin::outside;
        return switched_off(
            capped ? "OFF (its " + span(limits.max_on) + " cap is reached)" : "OFF (session over)",
            true);
    }

    Verdict operator()(const Reconnected&) {
        const std::string why = "pad off: every pad is switched off after a reconnect";
        if (!st.on) {
            // Off as far as we know, but after a restart or a lost connection
            // the plug may be on: this OFF is real and says why.
            send_off();
            v.reason = why;
            return done();
        }
        // Off first, whatever the plug did while the broker was away. A session
        // of bedtimed's own may then continue in its same period: `granted` is
        // what is left of it, for a Request with resume (never a fresh period).
        if (st.origin == Origin::bedtimed && !st.asleep && now < st.off_at) {
            st.interrupted_since = st.on_since;
            v.granted = whole_seconds(st.off_at - now);
        }
        return switched_off(why, true);
    }

    Verdict operator()(const NewNight&) {
        st.manual_off_tonight = false;
        return done();
    }

    Verdict operator()(const Started&) {
        st.on = false;
        st.origin = Origin::none;
        st.device_off_at.reset();
        st.on_in_flight = false;
        st.late_on_expected = false;
        st.reports_awaited = 0;
        send_off();
        return done();
    }

    Verdict operator()(const ConfirmTimeout& t) {
        if (st.confirmed()) return done();
        const auto last = st.report_since_command;
        if (last && *last == st.last_commanded_on) {
            st.reports_awaited = 0;
            return done();
        }
        if (last && !*last && st.last_commanded_on) {
            // Never push heat on a pad that says it is off.
            st.reports_awaited = 0;
            st.manual_off_tonight = true;
            v.manual_off = true;
            return switched_off(
                "the plug reported OFF after the ON; not sent again (a hand, or the plug refused "
                "it): no more heat tonight",
                true);
        }
        if (t.retry) {
            st.reports_awaited = 1;  // only the resent command's report
            st.report_since_command.reset();
            v.resend = true;
        } else {
            v.unconfirmed = true;
        }
        return done();
    }
};

}  // namespace

Verdict decide(const PadState& state, const Limits& limits, const Event& event, SteadyTime now) {
    Decider d{state, limits, now, {}};
    // A plug with no cap of its own (or one that proved to ignore it) has no
    // timer: an OFF bedtimed did not send is then a hand's.
    if (!limits.device_cap) d.st.device_off_at.reset();
    return std::visit(d, event);
}

std::optional<SteadyTime> next_deadline(const PadState& state) {
    if (state.on) return state.off_at;
    if (state.cool_until) return state.cool_until;
    return std::nullopt;
}

}  // namespace bedtimed::heat
