"""The model's local rules, each stated once as a small scalar function (docs/ODD.md, section 7).

The kernels call them compiled; the per-agent reference calls the very same
source as plain Python (`jit.plain(rules)`, each function's `py_func`). With
no fastmath the two do the same IEEE operations in the same order, so the
reference stays equal to the engine bit for bit. A rule's association is
part of the rule: `a * b * c` is `(a * b) * c`, and changing it changes results.
"""

from __future__ import annotations

import math

from .jit import kernel

WEEKS_PER_YEAR = 52.0
# Ownership above which an engaged practice counts as active ownership (below: passive compliance).
ACTIVE_OWNERSHIP = 0.5
# Engagement classes of a member (the ownership, passive_compliance and disengaged outcomes).
DISENGAGED, OWNERSHIP, COMPLIANCE = 0, 1, 2
# Slack on "target met": delivered effort is a sum of many weekly shares, so it can fall short of an
# exactly reached target by rounding alone.
MET_TOLERANCE = 1e-9


# ---------------------------------------------------------------- members


@kernel
def stake(stakes, workload_stakes, unfunded):
    """What a decision puts at stake for a member: autonomy and income, and the unfunded work it already does."""
    return stakes + workload_stakes * unfunded


@kernel
def openness(trust, modulation):
    """How open a member is, by its trust: low trust narrows the confidence bound and slows convergence."""
    return 1.0 - modulation * (1.0 - trust)


@kernel
def backs(distance, stake, amplification, confidence, openness):
    """Whether a member backs a proposal: near enough its values for what is at stake and how open it is."""
    return distance * (1.0 + amplification * stake) < confidence * openness


@kernel
def weighted_gap(weight, mine, proposed):
    """One value dimension's term of the emphasis-weighted squared distance to a proposal."""
    gap = mine - proposed
    return weight * gap * gap


@kernel
def square_gap(mine, theirs):
    """One value dimension's term of the squared distance between two members (theirs - mine)."""
    gap = theirs - mine
    return gap * gap


@kernel
def engagement(engaged, ownership):
    """DISENGAGED, OWNERSHIP (active) or COMPLIANCE (passive)."""
    if not engaged:
        return DISENGAGED
    return OWNERSHIP if ownership > ACTIVE_OWNERSHIP else COMPLIANCE


@kernel
def owned_more(ownership, rate):
    """Ownership after a decision a member backed, or an agreement it reached."""
    return ownership + rate * (1.0 - ownership)


@kernel
def owned_less(ownership, rate):
    """Ownership after a decision made over its dissent."""
    return ownership - rate * ownership


@kernel
def alignment(distance, stake, amplification, confidence, openness):
    """How clearly a member shares a proposal's purpose: 1 at no difference, 0 at the edge of backing it.

    The backing test (`backs`) read as a margin instead of a yes or no.
    """
    room = confidence * openness
    if room <= 0.0:
        return 0.0
    return min(max(1.0 - distance * (1.0 + amplification * stake) / room, 0.0), 1.0)


@kernel
def collaborative_capacity(trust, purpose, ownership, w_trust, w_purpose, w_ownership):
    """What a member brings to joint work: its trust in the PCN, its purpose alignment and its ownership."""
    return (w_trust * trust + w_purpose * purpose + w_ownership * ownership) / (w_trust + w_purpose + w_ownership)


@kernel
def joint_value(effort, effect, capacity):
    """Value delivered by `effort` of joint work at collaborative capacity `capacity`."""
    return effort * (1.0 - effect + effect * capacity)


@kernel
def breaks_agreement(u, rate, trust, unsaid, tension, work):
    """Whether a member fails to carry out `work` practice-weeks of agreed joint work this week (uniform `u`).

    A hazard per practice-week of the joint work asked of the member this week, so breaks scale with the work,
    not with the weeks it is spread over.
    """
    hazard = rate * (1.0 - trust) * (1.0 + unsaid * tension)
    return u < 1.0 - math.exp(-hazard * work)


@kernel
def owned_by_success(ownership, pull, success):
    """Ownership pulled towards the success of the joint work a member has just done."""
    return ownership + pull * (success - ownership)


@kernel
def owned_under_load(ownership, loss, pressure):
    """Ownership worn by sustained work above capacity."""
    return ownership * max(1.0 - loss * max(pressure - 1.0, 0.0), 0.0)


@kernel
def repelled(value, proposed, repulsion):
    """A dissenter's value on one dimension after it is overruled: pushed away from what was imposed."""
    return min(max(value + repulsion * (value - proposed), 0.0), 1.0)


@kernel
def member_week(output, own, core, burnout, funded, support, efficiency_floor, capacity_loss, overtime):
    """A member's week of work: (capacity, effort, attendance, delivered) for `output` of mandate work."""
    # Passive compliance gets less done per hour, so it takes more hours for the same output.
    efficiency = own + (1.0 - own) * efficiency_floor
    hours = output / efficiency
    # Burnout eats the discretionary margin above core work, not core work itself.
    margin = max(support - core, 0.0) * (1.0 - capacity_loss * burnout)
    # Core work above capacity (a demand shock) is still done (patients are seen), but adds no capacity.
    capacity = min(core, support) + margin + funded * hours
    spare = max(capacity - core, 0.0)
    effort = min(hours, spare + overtime)
    attendance = min(max((spare - effort) / (1.0 - core), 0.0), 1.0) if core < 1.0 else 0.0
    delivered = output if effort >= hours else effort * efficiency
    return capacity, effort, attendance, delivered


@kernel
def pressure(core, effort, capacity):
    return (core + effort) / capacity


@kernel
def unfunded(funded, effort, capacity):
    """The share of its capacity a member spends on unfunded mandate work."""
    return (1.0 - funded) * effort / capacity


@kernel
def burnt(burnout, pressure, burnout_rate, recovery_rate):
    """Burnout after a week: it grows with pressure above capacity and recovers below it."""
    over = max(pressure - 1.0, 0.0)
    recovery = recovery_rate * burnout if pressure <= 1.0 else 0.0
    return min(max(burnout + burnout_rate * over - recovery, 0.0), 1.0)


@kernel
def stays_engaged(engaged, burnout, disengage_at, reengage_at):
    """Engagement with hysteresis: an engaged member drops out at `disengage_at`, returns below `reengage_at`."""
    return burnout < (disengage_at if engaged else reengage_at)


@kernel
def autonomy_lost(stakes, cost, voice, total):
    """A practice's stake once partners take `voice` of its PCN's `total` say in decisions (001)."""
    return min(1.0, stakes + cost * voice / total)


# ---------------------------------------------------------------- ties


@kernel
def history_factor(history, scale):
    """How readily trust builds on a tie: one half with no shared history, rising to one."""
    return 0.5 + 0.5 * (1.0 - math.exp(-history / scale))


@kernel
def trust_built(trust, rate, build, scar):
    """Trust after an agreement (rate: trust.gain) or a conflict talked through (gain times productive_ratio).

    It closes a share of the room left up to the tie's ceiling, which its memory of damage lowers; with no
    memory the ceiling is exactly 1.
    """
    return trust + rate * build * max(ceiling(scar) - trust, 0.0)


@kernel
def ceiling(scar):
    """The trust a tie can reach while it remembers damage."""
    return math.exp(-scar)


@kernel
def scarred(scar, added):
    return scar + added



@kernel
def trust_broken(trust, loss, protects, facilitation, intensity):
    """Trust after a destructive conflict; facilitation shields it in part."""
    return trust - loss * (1.0 - protects * facilitation) * min(1.0, intensity) * trust


@kernel
def trust_lost(trust, loss):
    """Trust after losing a share `loss` of it: on a dissenter's tie when a decision is imposed, or on a
    member's ties when it does not carry out an agreement."""
    return trust - loss * trust


@kernel
def trust_eroded(trust, erosion, tension):
    """Latent tension wears trust away a little every week."""
    return trust * (1.0 - min(1.0, erosion * tension))


@kernel
def trust_transferred(trust, transfer, felt):
    """A practice's trust in a joining partner: part of what it feels for its PCN."""
    return (1.0 - transfer) * trust + transfer * felt


@kernel
def intensity(distance, amplification, stake_one, stake_other):
    """How hard a meeting's disagreement is: the gap in values, amplified by what is at stake for both."""
    return distance * (1.0 + amplification * 0.5 * (stake_one + stake_other))


@kernel
def convergence_step(convergence, openness, mine, theirs):
    """How far each member of an agreeing pair moves towards the other on one value dimension."""
    return convergence * openness * (theirs - mine)


@kernel
def conflict_weights(productive, avoided, destructive, trust, facilitation, tension):
    """Weights of a conflict being talked through, avoided or destructive, by the pair's styles and the tie."""
    return (productive * (0.5 + trust) * (0.5 + facilitation), avoided,
            destructive * (1.5 - trust) * (1.5 - facilitation) * (1.0 + tension))


# ---------------------------------------------------------------- PCNs


@kernel
def facilitation_time(facilitation, cd_wte, focus_partners, cd_admin, demand, cd_need):
    """Facilitation a Clinical Director has time for, after partners and last week's mandate admin."""
    free = cd_wte * (1.0 - focus_partners) - cd_admin * demand
    return facilitation * min(max(free / cd_need, 0.0), 1.0)


@kernel
def learned(skill, grown, weeks):
    """A Clinical Director's skill after a week of learning: `1/weeks` of the way to the skill they grow into."""
    return skill + (grown - skill) / weeks


@kernel
def proposal_weight(facilitation, list_size, total_size, count):
    """A member's weight in its PCN's proposal: by list size (directive) or equal (facilitative)."""
    return (1.0 - facilitation) * list_size / total_size + facilitation / count


@kernel
def imposition_chance(facilitation, impose_rate, behind, haste):
    """The chance a PCN's lead decides a pending requirement without waiting for agreement."""
    chance = (1.0 - facilitation) * impose_rate
    if behind:
        # Thinking it is behind, a PCN is less willing to wait for agreement (001).
        chance = 1.0 - (1.0 - chance) * (1.0 - haste)
    return chance


@kernel
def forced(week, first_due, lead):
    """A decision can wait no longer: the first stage is due within `lead` weeks."""
    return week >= first_due - lead


@kernel
def stage_rate(target, scale, done, due, week):
    """Effort per week a requirement's next stage asks for to be met on time."""
    remaining = max(target * scale - done, 0.0)
    return remaining / max(due - week + 1, 1)


@kernel
def hurried(rate, urgency, left):
    """The pace of a requirement's work for a PCN that believes it is behind: faster, but no more than is left."""
    return min(rate * (1.0 + urgency), left)


@kernel
def felt_urgency(urgency, needs_purpose, purpose):
    """The extra pace a PCN that thinks it is behind acts on: true urgency moves only as far as purpose is shared."""
    return urgency * (1.0 - needs_purpose + needs_purpose * purpose)


@kernel
def late_rate(left, late_weeks):
    """Effort per week on work still outstanding after the last deadline (none if it is never made up)."""
    return left / late_weeks if late_weeks > 0.0 else 0.0


@kernel
def left_to_do(effort, scale, done):
    return max(effort * scale - done, 0.0)


@kernel
def stage_met(done, target, scale):
    return done >= target * scale - MET_TOLERANCE


@kernel
def ics_trusted(trust, gain, loss, asked, supported, room):
    """A PCN's trust in its ICS after a week of the ICS's asks: `asked` practice-weeks of their work (per unit of
    effort scale), `supported` of it with resources, `room` the share of the PCN's work that fell on engaged members
    within their capacity. Supported work on members with room builds trust; the rest wears it."""
    landed = supported * min(room, 1.0)
    trust = trust + min(1.0, gain * landed) * (1.0 - trust)
    return trust - min(1.0, loss * (asked - landed)) * trust


@kernel
def shown(progress, best, bias):
    """What a PCN shows others of its progress: biased towards its best work."""
    return (1.0 - bias) * progress + bias * best


# ---------------------------------------------------------------- memory


@kernel
def remembered(memory, weeks, new):
    """A running total remembered over about `weeks` weeks (exponential decay), plus this week's."""
    return (1.0 - 1.0 / weeks) * memory + new
