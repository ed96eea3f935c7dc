// Beds: moves, rate limit, position confirmation (see actuators.hpp).
#include "actuators.hpp"

#include <fmt/format.h>

#include <cmath>

#include "actuator_parts.hpp"

namespace bedtimed {

bool Actuators::move_bed(const std::string& name, const std::string& preset,
                         const std::string& reason) {
    auto it = beds_.find(name);
    if (it == beds_.end()) return false;
    Bed& bed = *it->second;
    if (safe_mode_) {
        note(name, "move to " + preset + " refused: safe mode");
        return false;
    }
    auto p = bed.spec->presets.find(preset);
    if (p == bed.spec->presets.end()) return false;
    // Rate limit, enforced here too, whatever the caller decided.
    if (bed.last_move && clock_.steady_now() - *bed.last_move < bed.spec->min_move_interval) {
        note(name, "move to " + preset + " refused: rate limit");
        return false;
    }
    bed.last_move = clock_.steady_now();
    bed.target = p->second;
    ++counters_.bed_moves;
    send(bed.device->move_to(p->second));
    note(name, fmt::format("to {} ({}%): {}", preset, p->second, reason));
    if (options_.expect_confirmation && !bed.device->state_topics().empty()) {
        Bed* b = &bed;
        bed.confirm_timer->arm(bed.spec->confirm_timeout, [this, b] {
            if (!b->target) return;
            log_->info("{}: no position report yet; sending again", b->spec->name);
            send(b->device->move_to(*b->target));
            b->confirm_timer->arm(b->spec->confirm_timeout, [this, b] {
                if (!b->target) return;
                ++counters_.device_unconfirmed;
                b->unanswered = true;
                log_->warn("{} did not report position {}% after a retry", b->spec->name,
                           *b->target);
                b->target.reset();
            });
        });
    }
    return true;
}

void Actuators::on_bed_position(Bed& bed, double position) {
    // A move bedtimed did not ask for: a remote, the HA UI, the bed's own buttons.
    const bool by_hand = !bed.target && bed.reported && std::fabs(*bed.reported - position) > 2.0;
    bed.reported = position;
    bed.unanswered = false;
    if (by_hand && hand_change_)
        hand_change_(bed.spec->name, fmt::format("moved to {}%", position));
    if (bed.target && std::fabs(*bed.target - position) <= 2.0) {
        bed.target.reset();
        bed.confirm_timer->cancel();
    }
}

}  // namespace bedtimed
