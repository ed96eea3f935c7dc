// CrampLog's morning check-ins and n-of-1 experiments: the command handlers,
// what they change in tonight's evening, and the stats that count check-ins.
#include <fmt/format.h>

#include <algorithm>
#include <random>

#include "checkin.hpp"
#include "cramp_log.hpp"
#include "cramp_log_sleeper.hpp"
#include "experiment_report.hpp"
#include "local_time.hpp"
#include "night.hpp"

namespace bedtimed {

using date::days;
using date::local_days;

namespace {

constexpr const char* kWriteFailed = cramplog_detail::kNotWritten;

constexpr cramplog::CheckinAnswer kAnswers[] = {cramplog::CheckinAnswer::none,
                                                cramplog::CheckinAnswer::one,
                                                cramplog::CheckinAnswer::two_or_more};

constexpr int kPromptNights = 7;  // open questions older than this are not looked at

bool answered(const std::vector<CheckinRecord>& checkins, const std::string& night) {
    return std::any_of(checkins.begin(), checkins.end(),
                       [&](const CheckinRecord& c) { return c.night == night; });
}

}  // namespace

// The question's state (asked, "no answer" by noon) is kept in SQLite beside
// the answers, not in routine.json: this class owns the store and the answers
// it is checked against, routine.json is the routine runner's (tonight's
// steps, which CrampLog cannot reach), and which nights were asked and not
// answered is part of the log's history, not of one night's plan.
void CrampLog::load_checkins(SleeperLog& s, local_days from) {
    s.checkins = store_->checkins(s.name, cramplog::night_text(from));
    s.open_prompts.clear();
    const local_days current = cramplog::night_of(s.zone, clock_.wall_now());
    const auto prompts =
        store_->checkin_prompts(s.name, cramplog::night_text(current - days(kPromptNights)));
    for (const auto& p : prompts) {  // oldest first: `prompted` ends on the latest
        const auto night = cramplog::parse_night(p.night);
        if (!night) continue;
        s.prompted = *night;
        if (!p.no_answer) s.open_prompts.push_back(*night);
    }
    for (const auto& e : store_->experiments(s.name)) {
        if (e.stopped) continue;
        const auto first = cramplog::parse_night(e.first_night);
        if (!first) continue;
        s.experiment = RunningExperiment{
            e, cramplog::ExperimentDesign{e.sleeper, e.step, *first, e.nights, e.seed}};
        break;
    }
}

void CrampLog::apply_experiment(SleeperLog& s) {
    if (!s.experiment || !s.configured || !s.decided) return;
    const auto& x = *s.experiment;
    // Stored arms are the truth; the pure function draws the same (experiment.hpp).
    const auto arm = cramplog::assigned_arm(x.design, *s.decided);
    if (!arm) return;
    const auto* pad = cfg_->find_actuator(s.configured->heating_pad);
    const auto cap = pad ? pad->max_on : std::chrono::seconds(0);
    const auto calm = cramplog::adapted_spec(
        *s.configured, cramplog::adjustments_for(cramplog::Tier::calm, *s.configured, cap));
    cramplog::freeze_step(s.evening, calm, x.design.step);
    if (*arm == cramplog::Arm::without_step) cramplog::withhold_step(s.evening, x.design.step);
}

void CrampLog::finish_experiment(SleeperLog& s, local_days night) {
    if (!s.experiment) return;
    const auto& d = s.experiment->design;
    if (night < d.first_night + days(d.nights)) return;
    const auto id = s.experiment->record.id;
    write("experiment end", [&] { store_->stop_experiment(id, clock_.wall_now(), "completed"); });
    say(s.name, "experiment on " + d.step + " completed (" + std::to_string(d.nights) + " nights)");
    s.experiment.reset();
}

void CrampLog::arm_checkin_timer() {
    if (!checkin_timer_) checkin_timer_ = clock_.make_timer();
    checkin_timer_->arm(std::chrono::minutes(5), [this] {
        for (const auto& spec : cfg_->sleepers) maybe_prompt_checkin(sleeper(spec.name));
        arm_checkin_timer();
    });
}

void CrampLog::close_unanswered(SleeperLog& s) {
    const WallTime now = clock_.wall_now();
    const local_days current = cramplog::night_of(s.zone, now);
    std::erase_if(s.open_prompts, [&](local_days night) {
        const std::string name = cramplog::night_text(night);
        const bool has_answer = answered(s.checkins, name);
        if (has_answer) return true;  // the checkins table has the outcome
        if (!cramplog::unanswered_by_noon(night, current, has_answer)) return false;
        // Kept open when the write fails: the next tick tries again.
        if (!write("check-in outcome", [&] { store_->close_checkin_prompt(s.name, name, now); }))
            return false;
        say(s.name, "check-in for the night of " + name + ": no answer by noon");
        return true;
    });
}

void CrampLog::maybe_prompt_checkin(SleeperLog& s) {
    if (!s.configured) return;
    close_unanswered(s);
    const WallTime now = clock_.wall_now();
    const local_days night = cramplog::night_of(s.zone, now);
    const std::string night_name = cramplog::night_text(night);
    cramplog::PromptInput in;
    in.local_minutes = local_minutes(s.zone, now);
    in.answered = answered(s.checkins, night_name);
    in.prompted = s.prompted == night;
    in.has_bed_sensor = !s.configured->occupancy_sensor.empty();
    in.in_bed = s.in_bed;
    const auto& q = s.configured->quiet_hours;
    in.prompt_at = cramplog::prompt_minutes(s.configured->checkin.at, q.enabled, q.to);
    in.latest_at = cramplog::latest_minutes(s.configured->checkin.at);
    if (!cramplog::should_prompt(in)) return;
    s.prompted = night;
    // Asked once even when this write fails (then in memory until a restart).
    write("check-in asked", [&] { store_->save_checkin_prompt(s.name, night_name, now); });
    s.open_prompts.push_back(night);
    integrations::Reminder r{s.name,
                             "checkin",
                             cramplog::kCheckinTitle,
                             "Leg cramps last night? Details (muscle, side, severity) can follow "
                             "later with bedtimectl checkin or Home Assistant.",
                             false,
                             now};
    for (auto a : kAnswers)
        r.answers.push_back({cramplog::answer_label(a),
                             integrations::checkin_action_id(s.name, cramplog::answer_name(a))});
    if (send_) send_(r);
    say(s.name, "check-in asked for the night of " + night_name);
}

cramplog::Stats CrampLog::with_checkins(const SleeperLog& s, cramplog::Stats stats) const {
    const bool wearable = s.configured && !s.configured->wearable.empty();
    // A sleeper with a wearable and no check-in keeps the episodes' stats as they were.
    if (wearable && s.checkins.empty()) return stats;
    const local_days current = cramplog::night_of(s.zone, clock_.wall_now());
    const int span = std::max<int>(28, static_cast<int>(stats.per_night.size()));
    const auto nights = cramplog::reconcile(s.recent, s.checkins, s.zone, current - days(span - 1),
                                            current, wearable);
    cramplog::apply_checkins(stats, nights);
    return stats;
}

CrampLog::Result CrampLog::checkin(const commands::CheckIn& c) {
    const std::string name = resolve_sleeper(c.sleeper);
    if (name.empty()) return {false, "unknown sleeper \"" + c.sleeper + "\"", {}};
    auto& s = sleeper(name);
    const WallTime now = clock_.wall_now();
    const local_days current = cramplog::night_of(s.zone, now);
    const auto night = c.night.empty() ? std::optional(current) : cramplog::parse_night(c.night);
    if (!night) return {false, "\"night\" must be a date, YYYY-MM-DD", {}};
    if (*night > current) return {false, "the night of " + c.night + " has not begun", {}};
    if (current - *night > days(60)) return {false, "a check-in answers the last 60 nights", {}};
    CheckinRecord row;
    std::optional<CheckinRecord> before;
    write("reading a check-in",
          [&] { before = store_->checkin(name, cramplog::night_text(*night)); });
    if (before) row = *before;  // details sent later keep what was said before
    row.sleeper = name;
    row.night = cramplog::night_text(*night);
    row.answer = c.answer;
    row.answered = now;
    row.channel = c.channel;
    if (!c.muscle.empty()) row.muscle = c.muscle;
    if (!c.side.empty()) row.side = c.side;
    if (!c.notes.empty()) row.notes = c.notes;
    if (c.severity) row.severity = c.severity;
    if (c.flags) row.flags = *c.flags;
    if (!write("check-in", [&] { store_->save_checkin(row); })) return {false, kWriteFailed, {}};
    std::erase_if(s.checkins, [&](const CheckinRecord& r) { return r.night == row.night; });
    s.checkins.push_back(row);
    std::sort(s.checkins.begin(), s.checkins.end(),
              [](const CheckinRecord& a, const CheckinRecord& b) { return a.night < b.night; });
    const auto answer = cramplog::answer_from(row.answer).value_or(cramplog::CheckinAnswer::none);
    say(name, fmt::format("check-in for the night of {}: {} ({})", row.night,
                          cramplog::answer_label(answer), row.channel));
    check_notices(name, s);
    if (changed_) changed_(name);
    return {true, {}, {{"night", row.night}, {"answer", row.answer}}};
}

CrampLog::Result CrampLog::experiment(const commands::Experiment& c) {
    const std::string name = resolve_sleeper(c.sleeper);
    if (name.empty()) return {false, "unknown sleeper \"" + c.sleeper + "\"", {}};
    auto& s = sleeper(name);
    const WallTime now = clock_.wall_now();
    if (c.set_weeks) {
        // Fixed at the start: the stored assignment covers the planned nights.
        if (s.experiment)
            return {false,
                    fmt::format("{}'s experiment on {} runs for {} nights: its length is fixed "
                                "at the start",
                                name, s.experiment->design.step, s.experiment->design.nights),
                    {}};
        s.next_experiment_weeks = c.weeks.value_or(6);
        say(name, fmt::format("the next experiment runs {} weeks", s.next_experiment_weeks));
        if (changed_) changed_(name);
        return {true, {}, {{"weeks", s.next_experiment_weeks}}};
    }
    if (!c.start) {
        if (!s.experiment) return {false, name + " has no experiment running", {}};
        const auto id = s.experiment->record.id;
        if (!write("experiment stop", [&] { store_->stop_experiment(id, now, "stopped"); }))
            return {false, kWriteFailed, {}};
        say(name, "experiment on " + s.experiment->design.step + " stopped early");
        s.experiment.reset();
        refresh_evening(s);
        if (changed_) changed_(name);
        return {};
    }
    if (s.experiment)
        return {false, name + " already has an experiment on " + s.experiment->design.step, {}};
    if (!cramplog::find_experiment_step(c.step))
        return {false,
                "\"" + c.step +
                    "\" cannot be experimented on (prewarm, prewarm_cold, stretch, hydration, "
                    "supplement, elevation)",
                {}};
    if (!s.configured || !cramplog::step_configured(*s.configured, c.step))
        return {
            false, "\"" + c.step + "\" is off in " + name + "'s config: nothing to withhold", {}};
    // The first night is the next one to begin (nights begin at noon, night.hpp).
    const int weeks = c.weeks.value_or(s.next_experiment_weeks);
    cramplog::ExperimentDesign d{
        name, c.step, cramplog::night_of(s.zone, now) + days(1), cramplog::planned_nights(weeks),
        c.seed.value_or(std::random_device{}() ^
                        static_cast<std::uint64_t>(now.time_since_epoch().count()))};
    d.seed &= (1ULL << 53) - 1;  // a seed one can type back in (JSON numbers)
    ExperimentRecord record{0,        name,   c.step, cramplog::night_text(d.first_night),
                            d.nights, d.seed, now,    std::nullopt,
                            ""};
    std::vector<ExperimentNightRecord> nights;
    const auto arms = cramplog::all_assignments(d);
    for (std::size_t i = 0; i < arms.size(); ++i)
        nights.push_back({cramplog::night_text(d.first_night + days(static_cast<int>(i))),
                          cramplog::arm_name(arms[i])});
    if (!write("experiment start", [&] { record.id = store_->start_experiment(record, nights); }))
        return {false, kWriteFailed, {}};
    s.experiment = RunningExperiment{record, d};
    refresh_evening(s);
    say(name, fmt::format("experiment on {} started: {} nights from {}, seed {}", c.step, d.nights,
                          record.first_night, d.seed));
    if (changed_) changed_(name);
    return {true,
            {},
            {{"id", record.id},
             {"first_night", record.first_night},
             {"nights", d.nights},
             {"seed", std::to_string(d.seed)}}};
}

nlohmann::json CrampLog::checkin_json(const std::string& name) const {
    const SleeperLog* s = find(name);
    if (!s || !s->configured) return nullptr;
    const WallTime now = clock_.wall_now();
    const local_days night = cramplog::night_of(s->zone, now);
    const std::string night_name = cramplog::night_text(night);
    const bool asked = s->prompted == night;
    nlohmann::json answers = nlohmann::json::array();
    for (auto a : kAnswers)
        answers.push_back(
            {{"answer", cramplog::answer_name(a)}, {"label", cramplog::answer_label(a)}});
    nlohmann::json out{{"night", night_name},
                       {"open", cramplog::checkin_open(local_minutes(s->zone, now), asked)},
                       {"asked", asked},
                       {"title", cramplog::kCheckinTitle},
                       {"question", cramplog::kCheckinQuestion},
                       {"answers", answers},
                       {"answer", nullptr},
                       {"answer_label", nullptr},
                       {"answered_at", nullptr},
                       {"channel", nullptr}};
    const auto it = std::find_if(s->checkins.begin(), s->checkins.end(),
                                 [&](const CheckinRecord& c) { return c.night == night_name; });
    if (it != s->checkins.end()) {
        const auto a = cramplog::answer_from(it->answer).value_or(cramplog::CheckinAnswer::none);
        out["answer"] = cramplog::answer_name(a);
        out["answer_label"] = cramplog::answer_label(a);
        out["answered_at"] = format_iso8601(it->answered);
        out["channel"] = it->channel;
    }
    return out;
}

int CrampLog::experiment_weeks(const std::string& name) const {
    const SleeperLog* s = find(name);
    if (!s) return 6;
    // planned_nights() rounds 7 × weeks up to whole pairs: the division undoes it.
    return s->experiment ? s->experiment->design.nights / 7 : s->next_experiment_weeks;
}

bool CrampLog::checkin_waiting(const std::string& name) const {
    const SleeperLog* s = find(name);
    if (!s) return false;
    const local_days night = cramplog::night_of(s->zone, clock_.wall_now());
    return s->prompted == night && !answered(s->checkins, cramplog::night_text(night));
}

nlohmann::json CrampLog::experiment_json(const std::string& name) const {
    const SleeperLog* s = find(name);
    if (!s || !s->experiment) return nullptr;
    nlohmann::json out;
    const bool wearable = s->configured && !s->configured->wearable.empty();
    try {
        out = cramplog::experiment_report_json(cramplog::experiment_report(
            *store_, s->experiment->record, s->zone, wearable, clock_.wall_now()));
        if (s->decided)
            if (auto arm = cramplog::assigned_arm(s->experiment->design, *s->decided))
                out["tonight"] = cramplog::arm_name(*arm);
    } catch (const std::exception& e) {
        log_->warn("experiment state not read: {}", e.what());
        return nullptr;
    }
    return out;
}

}  // namespace bedtimed
