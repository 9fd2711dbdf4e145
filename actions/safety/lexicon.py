"""The curated crisis lexicon: token patterns for self-harm, violence, threats, abuse, fear.

Tuned for recall: when a phrase is ambiguous between a figure of speech and danger, and
the figure of speech cannot be told apart by the next word, it counts as danger (a calm
private answer to a joke costs little; a missed cry for help costs a lot). Precision comes
from a few narrow guards per rule: the word right after the match ("she beat me *at*
chess"), the word right before ("*political* suicide"), a gerund after a fear ("afraid of
him *leaving*"), a negation in a wish to hurt someone ("I don't want to hurt you").

Pattern syntax (one rule = one line of slots, space separated):
    word|word      one token, any of these (lower case, after normalisation)
    @macro         one token from a word list below
    slot?          the slot is optional
    *  / *3        up to one / three tokens of anything
"""

from __future__ import annotations

from dataclasses import dataclass, field

MACROS: dict[str, str] = {
    # Who can hurt the writer. "you" is the partner, spoken to in the group.
    "person": "he|she|they|you|partner|husband|wife|boyfriend|girlfriend|bf|gf|spouse|"
    "fiance|fiancé|fiancee|fiancée|ex|hubby|wifey|man|him|her",
    "partner_noun": "partner|husband|wife|boyfriend|girlfriend|bf|gf|spouse|fiance|fiancé|"
    "fiancee|fiancée|ex|hubby|him|her|them|you",
    "victim": "me|us|kids|children|son|daughter|baby|child|mum|mom",
    "other": "him|her|you|them|partner|husband|wife|boyfriend|girlfriend|kids|children",
    # Violent verbs that are violent whoever does them.
    "strong_hit": "slap|slaps|slapped|slapping|punch|punches|punched|punching|choke|chokes|"
    "choked|choking|strangle|strangles|strangled|strangling|smack|smacks|smacked|smacking|"
    "shove|shoves|shoved|shoving|headbutt|headbutted|suffocate|suffocated|smother|"
    "smothered|stab|stabs|stabbed|stabbing|bit|bites|biting|rape|rapes|"
    "raped|molest|molests|molested",
    # Verbs that need a person doing them to mean violence ("it hit me" is a realisation).
    "hit": "hit|hits|hitting|kick|kicks|kicked|kicking|push|pushes|pushed|pushing|grab|grabs|"
    "grabbed|grabbing|throw|throws|threw|throwing|drag|drags|dragged|dragging|pin|pins|"
    "pinned|pinning|attack|attacks|attacked|attacking|burn|burns|burned|burnt|shoot|shoots|"
    "shot|shooting|beat|beats|beating",
    "third": "he|she|they|partner|husband|wife|boyfriend|girlfriend|bf|gf|spouse|fiance|"
    "fiancé|fiancee|fiancée|ex|hubby|wifey|man",
    "harm_inf": "hurt|hit|kill|punch|slap|strangle|stab|choke|beat|murder|harm|shoot|kick|"
    "smack|attack",
    "future": "'ll|will|would|'d|gonna|going|might|could|is|'s|wants|want|wanna|tries|tried|"
    "trying",
    "intent": "want|wanna|gonna|going|could|might|'ll|will|'d|would|feel|plan|planning|ready",
    "fear": "afraid|scared|terrified|frightened|fearful|petrified|scare",
    "self": "myself|meself|myslef",
    "die_wish": "want|wanted|wants|wanna|wish|ready|going|gonna|deserve",
    "neg": "n't|not|never|dont|no",
}

# Words after a gerund-taking fear that are still about violence ("afraid of him hurting me").
VIOLENT_GERUNDS = frozenset(
    "hurting hitting killing beating choking strangling attacking coming finding getting "
    "drinking raging shouting screaming yelling".split()
)
JOKE_MARKERS = ("lol", "haha", "😂", "🤣", "jk", "lmao", "😅", "😆", "kidding")
# "On purpose" turns an accident ("cut myself while cooking") back into self-harm.
DELIBERATE = ("on purpose", "deliberately", "intentionally", "purposely")


@dataclass(frozen=True)
class Rule:
    kind: str  # self_harm | violence | threat | abuse | fear
    pattern: str
    not_next: frozenset[str] = field(default_factory=frozenset)
    not_prev: frozenset[str] = field(default_factory=frozenset)
    gerund_next: bool = False  # a gerund right after means an event, not the person
    no_negation: bool = False  # "I don't want to hurt you" is the opposite of a threat
    no_joke: bool = False  # "I'll kill you 😂" over spoilers
    deliberate_overrides: bool = False


def words(text: str) -> frozenset[str]:
    return frozenset(text.split())


ACCIDENT = words(
    "while when shaving chopping cooking on accidentally by slack some off out a the at "
    "playing lifting running skiing ironing with in during"
)

RULES: tuple[Rule, ...] = (
    # -- self-harm and suicide ----------------------------------------------------------
    Rule("self_harm", "kill|kil|killed @self", not_next=words("laughing laughin")),
    Rule("self_harm", "kms|kys|unalive|unaliving|unalived"),
    Rule(
        "self_harm",
        "killing @self",
        not_next=words("at with over for trying working laughing to on"),
    ),
    Rule(
        "self_harm",
        "suicide|suicidal|suicidally|suicidality",
        not_prev=words("political social career commercial professional electoral"),
        not_next=words("squad doors door mission run"),
    ),
    Rule(
        "self_harm",
        "@die_wish * * die|dead|death",
        not_next=words("of laughing from for tired serious wrong right on set"),
    ),
    Rule("self_harm", "better off dead|without"),
    Rule("self_harm", "rather * die|dead"),
    Rule("self_harm", "end|ending|ended|take|taking|took my|own own? life"),
    Rule("self_harm", "end|ending it all"),
    # "I'm ending it tonight": also a break-up sentence, but recall comes first here.
    Rule("self_harm", "end|ending it tonight|today|now"),
    Rule(
        "self_harm",
        "@neg want|wanna to? live|exist",
        not_next=words("here there with in near together at like on"),
    ),
    Rule("self_harm", "@neg want|wanna to? be alive"),
    Rule("self_harm", "@neg want|wanna to? be here|around anymore|any"),
    Rule(
        "self_harm",
        "@neg want|wanna to? wake up",
        not_next=words("early at before so yet this that till until"),
    ),
    Rule("self_harm", "never wake up"),
    Rule("self_harm", "point|reason in|of|to living|live|life"),
    Rule("self_harm", "@neg worth living"),
    Rule(
        "self_harm",
        "hurt|hurting|hurts|harm|harming|harmed|cut|cutting|cuts|burn|burned|burnt|burning|"
        "starve|starving|punish|punishing @self",
        not_next=ACCIDENT,
        deliberate_overrides=True,
    ),
    Rule("self_harm", "self -? harm|harming|harmed|injury|injuring"),
    Rule("self_harm", "selfharm|selfharming|overdose|overdosing|overdosed|od'd"),
    Rule(
        "self_harm",
        "took|take|taking|swallowed|swallow * bunch|handful|lot|all|bottle|box|too * * "
        "pills|tablets|meds|sleeping|painkillers",
    ),
    Rule(
        "self_harm",
        "jump|jumping|jumped off|from * * bridge|roof|building|balcony|cliff|tower|window",
    ),
    Rule(
        "self_harm",
        "hang|hanging|shoot|shooting|drown|drowning|stab|stabbing|poison|poisoning|gas @self",
    ),
    Rule("self_harm", "slit|slitting|cut|cutting * wrists|wrist|veins"),
    Rule("self_harm", "nobody|noone|one would|will|'d|'ll|even * miss me"),
    Rule("self_harm", "care|notice|matter if|when i * died|gone|dead|die"),
    Rule("self_harm", "disappear|vanish forever"),
    Rule("self_harm", "goodbye|suicide note|letter|letters|notes"),
    Rule("self_harm", "nicht mehr leben"),
    Rule("self_harm", "will|möchte sterben"),
    Rule("self_harm", "mich umbringen"),
    Rule("self_harm", "quiero|quería morir|morirme|matarme|suicidarme"),
    Rule("self_harm", "me quiero morir|matar"),
    Rule("self_harm", "veux mourir"),
    Rule("self_harm", "me tuer|suicider|matar"),
    Rule("self_harm", "voglio morire|uccidermi"),
    Rule("self_harm", "quero morrer"),
    # -- violence against the writer or the children -------------------------------------
    Rule("violence", "@strong_hit me|us", not_next=words("at to up")),
    Rule(
        "violence",
        "@person * * @hit me|us|kids|children|son|daughter|baby|child",
        not_next=words("up out off to away aside forward towards toward a an some at"),
    ),
    # Emotional hurt is the daily language of a couple ("you hurt me when ..."): only a
    # third person hurting the writer counts, and not "with words".
    Rule(
        "violence",
        "@third * * hurt|hurts|hurting|harm|harms|harmed me|us|kids|children",
        not_next=words("with by emotionally feelings"),
    ),
    Rule("violence", "@person * * @hit the|our|my kids|children|son|daughter|baby"),
    Rule("violence", "threw|throws|thrown|throwing|hurled * * * at me|us"),
    Rule(
        "violence",
        "i was|got|been|'ve|am|'m been? beaten|slapped|punched|choked|strangled|raped|"
        "assaulted|abused|attacked|molested|stabbed",
    ),
    Rule("violence", "hands|hand around|on my neck|throat"),
    Rule("violence", "physically hurt|hurts|hurting|harmed|harm|abusive|abused|attacked|violent"),
    Rule("violence", "hurt|hurts|hurting|harmed|abused me|us physically"),
    Rule("violence", "@person * * violent|dangerous"),
    Rule(
        "violence",
        "i * * @intent * * @harm_inf @other",
        no_negation=True,
        no_joke=True,
    ),
    Rule("violence", "me pega|golpea|pegó|golpeó"),
    Rule("violence", "il|elle me frappe|bat|battu"),
    Rule("violence", "schlägt mich"),
    # -- threats -------------------------------------------------------------------------
    Rule("threat", "threaten|threatens|threatened|threatening me|us|with"),
    Rule(
        "threat",
        "threaten|threatens|threatened|threatening to",
        not_next=words("leave break divorce move quit go call tell stop end cancel"),
    ),
    Rule(
        "threat",
        "@person * @future to? kill|hurt|hit|harm|beat|shoot|stab me|us|kids|children|"
        "himself|herself|themselves",
    ),
    Rule(
        "threat",
        "said|says|told|tells|swore|swears|promised * * * @harm_inf * "
        "me|us|you|kids|children|himself|herself|themselves",
    ),
    Rule(
        "threat",
        "kill|hurt|harm|harming|hurting|killing himself|herself|themselves",
        not_next=ACCIDENT,
    ),
    Rule("threat", "pointed|pulled|held|waved * * gun|knife|weapon|blade"),
    Rule("threat", "@person * * has|got|bought|owns|keeps a? gun|guns|knife|knives|weapon"),
    # -- abuse and coercive control ------------------------------------------------------
    Rule(
        "abuse",
        "abusive|abuser|abusing|abuses|abused|abuse",
        not_prev=words("substance alcohol drug drugs power data"),
        not_next=words("alcohol drugs substances substance power of the"),
    ),
    Rule("abuse", "rape|raped|raping|rapes|rapist|molested|molesting"),
    Rule("abuse", "sexually assaulted|abused|assaulting|harassed"),
    Rule("abuse", "sexual assault|abuse|violence"),
    Rule("abuse", "domestic violence|abuse"),
    Rule("abuse", "force|forces|forced|forcing|makes|made|pressures|pressured me * * * sex"),
    Rule("abuse", "forced|forces|forcing himself|herself on|onto me"),
    Rule("abuse", "@neg let|lets|allow|allows me leave|go|out|see|call"),
    Rule("abuse", "lock|locks|locked|locking me in|inside|up|out"),
    Rule("abuse", "me locked|trapped in|inside|up"),
    Rule(
        "abuse",
        "track|tracks|tracking|tracked * where|my|me",
        not_prev=words("i we to can app"),
    ),
    Rule("abuse", "stalks|stalking|stalked|stalker"),
    Rule(
        "abuse",
        "@person * * broke|smashed|destroyed|hid|hides|takes|took|stole my phone|keys|passport",
    ),
    # -- fear for one's safety -----------------------------------------------------------
    Rule("fear", "@fear * of my|your|the? @partner_noun", gerund_next=True),
    Rule("fear", "@fear * to go|come|be|stay|sleep|leave home|back|alone|around|near|him|her"),
    Rule("fear", "@fear * of? what he|she|they * * do|might|could"),
    Rule("fear", "@fear|fear for my|our life|safety|kids|children|lives"),
    Rule(
        "fear",
        "@neg feel|feeling safe",
        not_next=words(
            "to talking sharing saying telling opening expressing being showing in asking"
        ),
    ),
    Rule("fear", "feel|feeling|am|'m unsafe"),
    Rule("fear", "i|we|kids|children 'm|am|'re|are|is|was|were|feel not|n't safe"),
    Rule("fear", "i 'm|am in danger"),
    Rule("fear", "life|lives|kids|children is|are|'s|'re in danger"),
    Rule("fear", "hiding|hid|hide from him|her|them|my"),
    Rule("fear", "hiding|hid in the|my bathroom|bedroom|closet|car|wardrobe|toilet"),
    Rule("fear", "angst vor meinem|meiner|ihm|ihr"),
    Rule("fear", "miedo de|a mi|él|ella"),
)

# Figures of speech that are not crises. Used only to overrule the NLU model's `crisis`
# intent when the matcher itself found nothing ("this chore is killing me").
IDIOMS: tuple[str, ...] = (
    r"\b(is|are|'s|'re|was|were) killing me\b",
    r"\bkill(ing)? (some )?time\b",
    r"\b(could|would|'d) (kill|murder) (for|a)\b",
    r"\bdying (to|for|of)\b",
    r"\bdie (of|from) (embarrassment|laughing|laughter|boredom|shame)\b",
    r"\bdied (laughing|of laughter|of embarrassment)\b",
    r"\bto die for\b",
    r"\bkill(ed)? it\b",
    r"\bdeath of me\b",
    r"\bdead (tired|serious|wrong|right|on|set)\b",
    r"\b(killer|slay|slayed|murdered) (workout|song|outfit|it|that)\b",
    r"\bpolitical suicide\b",
    r"\b(my|your|the) (feet|head|back|legs|knees) (is|are) killing\b",
    r"\bscared (me )?half to death\b",
    r"\bmatter of life and death\b",
    r"\b(mum|mom|dad|boss|teacher|coach|mother|father) (is going to|'s going to|will|'ll) "
    r"kill me\b",
)
