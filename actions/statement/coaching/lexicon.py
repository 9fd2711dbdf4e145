"""Word lists used by the coaching rules.

Everything here is lower-case and uses a straight apostrophe; tokens are
normalised the same way before matching (see ``pipeline.normalise``).
Multi-word entries are matched as token sequences, so "all the time" works.
"""

from __future__ import annotations

# Word lists stay packed several to a line; one-per-line would triple the file.
# fmt: off

# --- who is talking about whom -------------------------------------------------

SPEAKER_SUBJECTS = frozenset({"i"})
# "me"/"myself" only count when we ask "who is this label about?".
SPEAKER_OBJECTS = frozenset({"me", "myself"})
PARTNER_SUBJECTS = frozenset({"you", "ur", "ya", "ye", "we", "he", "she", "y'all", "yall"})
PARTNER_WORDS = frozenset(
    {"you", "ur", "ya", "ye", "your", "yours", "yourself", "we", "our", "us", "ourselves"}
)
OTHER_SUBJECTS = frozenset(
    {"it", "this", "that", "there", "they", "everyone", "everybody", "nobody", "people"}
)
DETERMINERS = frozenset(
    {"my", "the", "his", "her", "their", "our", "your", "a", "an", "this", "that", "these"}
)
CLAUSE_OPENERS = frozenset(
    {"and", "but", "so", "because", "when", "while", "though", "although", "since", ",", "if"}
)

# Small words that may sit between a subject and the word we care about.
AUXILIARIES = frozenset(
    {
        "am", "are", "is", "was", "were", "be", "been", "being", "'s", "have", "has", "had",
        "will", "would", "'d", "can", "could", "should", "do", "does", "did", "r", "re",
    }
)
ADVERBS = frozenset(
    {
        "just", "also", "still", "literally", "basically", "really", "pretty", "almost",
        "nearly", "seriously", "honestly", "actually", "so", "obviously", "clearly", "even",
        "simply", "totally", "completely", "absolutely", "kinda", "sorta", "truly", "only",
        "apparently", "definitely", "probably", "always", "again", "ever", "then", "now",
    }
)
NEGATORS = frozenset({"not", "never", "no", "hardly", "barely"})

# --- describe: absolutes ---------------------------------------------------------

ABSOLUTE_PHRASES = (
    "always", "allways", "alwayz", "alwys", "alwaya", "alway", "awlays", "alwasy",
    "never", "nevr", "neva", "nvr", "never ever", "never once", "constantly", "continually",
    "continuously", "all the time", "all the damn time", "all the bloody time",
    "all the fucking time", "every time", "everytime", "every single time",
    "each time", "each and every time", "every time", "not once", "not one time",
    "not a single time", "not even once", "24/7", "nonstop", "non-stop", "non stop",
    "whenever", "nothing", "everything", "forever", "day in day out", "day in , day out",
)
# absolutes that a plain "not" in front of them softens ("not always")
NEGATABLE_ABSOLUTES = frozenset(
    {
        "always", "allways", "alwayz", "alwys", "alwaya", "alway", "awlays", "alwasy",
        "constantly", "continually", "continuously", "all the time", "every time",
        "everytime", "every single time", "each time", "24/7", "nonstop", "non-stop",
    }
)
# "every time I ask, you sigh": the absolute opens a sub-clause, so the
# partner can show up after it.
SUBORDINATE_ABSOLUTES = frozenset(
    {"every time", "everytime", "every single time", "each time", "each and every time",
     "whenever"}
)
OBJECT_ABSOLUTES = frozenset({"nothing", "everything"})
# "every single weekend", "each morning": lemmas of repeated periods and occasions
PERIOD_NOUNS = frozenset(
    {
        "time", "day", "night", "morning", "evening", "afternoon", "week", "weekend",
        "month", "year", "holiday", "birthday", "christmas", "summer", "meal", "dinner",
        "argument", "fight", "row", "conversation", "visit", "trip", "party", "occasion",
    }
)

# --- describe: labels ------------------------------------------------------------

# Fire whenever the word is aimed at the partner (or at "it/that").
STRONG_LABELS = (
    "lazy", "selfish", "inconsiderate", "useless", "idiot", "idiotic", "stupid", "childish",
    "immature", "pathetic", "narcissist", "narcissistic", "jerk", "asshole", "arsehole",
    "dickhead", "prick", "loser", "moron", "moronic", "dumb", "thoughtless", "manipulative",
    "controlling", "liar", "hypocrite", "hypocritical", "slob", "ungrateful", "irresponsible",
    "disrespectful", "insensitive", "heartless", "spoiled", "spoilt", "brat", "bratty",
    "lame", "ridiculous", "petty", "worthless", "clueless", "incompetent", "unreliable",
    "careless", "cruel", "arrogant", "toxic", "psycho", "bully", "coward", "cowardly",
    "bastard", "bitch", "twat", "muppet", "numpty", "tosser", "wanker", "douche",
    "douchebag", "self-centred", "self-centered", "self centred", "self centered",
    "entitled", "spineless", "passive-aggressive", "passive aggressive", "drama queen",
    "control freak", "bossy", "nagging", "nag", "hysterical", "paranoid", "overdramatic",
    "unbearable", "obnoxious", "pig-headed", "pigheaded", "stingy", "tight-fisted",
    "neurotic", "deadbeat", "slacker", "freeloader", "sociopath", "psychopath",
    "judgemental", "judgmental", "condescending", "patronising", "patronizing", "dismissive",
)
# Ambiguous words: only a label right after "you're / so / such a / like a …".
CONTEXT_LABELS = (
    "rude", "mean", "cold", "weak", "cheap", "crazy", "insane", "child", "baby", "kid",
    "pig", "cow", "dick", "nightmare", "joke", "mess", "dramatic", "difficult", "impossible",
    "stubborn", "needy", "clingy", "pushy", "harsh", "nasty", "horrible", "awful", "terrible",
    "monster", "failure", "teenager", "toddler", "princess", "mummy's boy", "mommy's boy",
    "ass", "arse", "clown", "animal", "pain",
    "bad person", "terrible person", "awful person", "horrible person", "bad partner",
    "terrible partner", "awful partner", "bad husband", "bad wife", "bad boyfriend",
    "bad girlfriend", "bad father", "bad mother", "bad dad", "bad mum", "bad mom",
)

# --- describe: blame -------------------------------------------------------------

# "you don't care", "you never respect me" …
CARE_VERBS = frozenset(
    {
        "care", "love", "respect", "appreciate", "value", "understand", "consider", "trust",
        "support", "cherish",
    }
)
RUIN_VERBS = frozenset({"ruin", "wreck", "destroy", "spoil", "sabotage"})
# "you drive me crazy / mad / up the wall"
DRIVE_ME_COMPLEMENTS = frozenset(
    {"crazy", "mad", "insane", "nuts", "bonkers", "up", "round", "around", "away", "to"}
)
# "you think my job / I / your … " + a verdict ("is more important", "am stupid")
THOUGHT_OBJECTS = frozenset(
    {"that", "my", "your", "ur", "i", "you", "me", "our", "everyone", "nobody", "what"}
)
VERDICT_WORDS = frozenset(
    {
        "important", "better", "smarter", "superior", "beneath", "stupid", "idiot", "dumb",
        "right", "perfect", "best", "matter", "matters", "worthless", "useless", "above",
        "more", "less", "worse", "wrong", "overreacting", "crazy", "dramatic", "nothing",
    }
)
# "you made me cry", "you make me so angry", "you made me look stupid"
MAKE_ME_COMPLEMENTS = frozenset(
    {
        "feel", "cry", "sick", "crazy", "mad", "want", "hate", "look", "miserable", "so",
        "question", "doubt", "angry", "sad", "furious", "upset", "nervous", "anxious",
        "scared", "ashamed", "embarrassed", "insane", "wanna", "feeling", "lose", "regret",
    }
)
# "you ignored me", "you belittle me"
ACCUSING_VERBS = frozenset(
    {
        "ignore", "belittle", "dismiss", "disrespect", "humiliate", "manipulate", "neglect",
        "patronise", "patronize", "gaslight", "bully", "insult", "undermine", "embarrass",
        "use", "abandon", "betray", "reject", "guilt-trip", "smother", "control",
    }
)
MOTIVE_PHRASES = (
    "on purpose", "deliberately", "intentionally", "to hurt me", "to annoy me",
    "to punish me", "to spite me", "to wind me up", "to get back at me", "to humiliate me",
    "to make me jealous", "to upset me", "to provoke me", "just to win", "just to win it",
    "to prove a point", "to prove you're right", "to score points", "to have the last word",
    "to get the last word", "to make a point",
)
FAULT_PHRASES = (
    "your fault", "all your fault", "you're the reason", "you are the reason",
)

# --- feel ------------------------------------------------------------------------

FEELING_WORDS = (
    "sad", "sadness", "unhappy", "hurt", "hurting", "hurts", "pain", "painful", "angry",
    "anger", "mad", "furious", "livid", "irritated", "annoyed", "scared", "afraid",
    "frightened", "fearful", "fear", "terrified", "lonely", "loneliness", "anxious",
    "anxiety", "nervous", "tense", "stressed", "stress", "stressed out", "worried", "worry",
    "worrying", "frustrated", "frustration", "disappointed", "disappointment", "overwhelmed",
    "tired", "exhausted", "drained", "weary", "worn out", "burnt out", "burned out",
    "embarrassed", "embarrassment", "ashamed", "shame", "guilty", "guilt", "happy", "glad",
    "joy", "joyful", "relieved", "relief", "grateful", "thankful", "gratitude", "confused",
    "confusion", "upset", "resentful", "resentment", "helpless", "hopeless", "powerless",
    "jealous", "jealousy", "envious", "insecure", "vulnerable", "heartbroken", "devastated",
    "crushed", "gutted", "miserable", "depressed", "numb", "bitter", "hopeful", "excited",
    "calm", "content", "peaceful", "loved", "unsafe", "uneasy", "uncomfortable", "awkward",
    "shocked", "surprised", "discouraged", "despair", "desperate", "panicky", "panicked",
    "panic", "horrified", "grief", "grieving", "sorrow", "regret", "remorse", "homesick",
    "bored", "restless", "impatient", "agitated", "on edge", "pissed", "pissed off",
    "fed up", "dread", "dreading", "tearful", "touched", "proud", "hesitant", "reluctant",
    "torn", "conflicted", "ambivalent", "distressed", "troubled", "disheartened",
    "dejected", "melancholy", "cranky", "grumpy", "irritable", "exasperated", "enraged",
    "outraged", "disgusted", "humiliated", "heartsick", "defeated", "discouraged",
    "insecure", "shaky", "rattled", "freaked out", "frazzled", "sorry", "scary", "scare",
    "scares", "frightens", "upsets", "angers", "saddens", "worries", "disappoints",
    "frustrates", "stresses", "hurtful", "apprehensive", "alarmed", "wistful", "longing",
    "miss", "missing", "nostalgic", "overjoyed", "delighted", "thrilled", "pleased",
    "cheerful", "safe", "secure", "self-conscious", "mortified", "sheepish",
)
# Only a feeling right after "I feel / I'm / I was …" ("I feel low", not "turn it down").
CONTEXT_FEELINGS = (
    "down", "low", "blue", "empty", "lost", "alone", "good", "bad", "fine", "ok", "okay",
    "great", "better", "worse", "terrible", "awful", "horrible", "crap", "crappy", "shit",
    "shitty", "sick", "off", "weird", "strange", "small", "stupid", "dumb", "awful",
    "rubbish", "meh", "unwell", "drained", "done", "broken", "sick of it", "over it",
    "like shit", "like crap", "like garbage", "like rubbish", "like trash", "like hell",
    "like death", "like dirt", "like a failure",
)
# Accusing pseudo-feelings, each with real feelings that often sit underneath.
FAUX_FEELINGS: dict[str, tuple[str, str, str]] = {
    "ignored": ("lonely", "hurt", "sad"),
    "abandoned": ("lonely", "scared", "hurt"),
    "manipulated": ("angry", "confused", "powerless"),
    "betrayed": ("hurt", "angry", "shocked"),
    "rejected": ("hurt", "sad", "lonely"),
    "unappreciated": ("sad", "disappointed", "tired"),
    "unvalued": ("sad", "disappointed", "discouraged"),
    "attacked": ("scared", "hurt", "angry"),
    "used": ("hurt", "angry", "resentful"),
    "criticised": ("hurt", "embarrassed", "discouraged"),
    "criticized": ("hurt", "embarrassed", "discouraged"),
    "controlled": ("frustrated", "tense", "angry"),
    "judged": ("embarrassed", "anxious", "hurt"),
    "belittled": ("hurt", "embarrassed", "angry"),
    "misunderstood": ("frustrated", "lonely", "sad"),
    "neglected": ("lonely", "sad", "hurt"),
    "unheard": ("frustrated", "lonely", "discouraged"),
    "unloved": ("sad", "lonely", "hurt"),
    "unwanted": ("sad", "lonely", "hurt"),
    "disrespected": ("hurt", "angry", "frustrated"),
    "invisible": ("lonely", "sad", "hurt"),
    "unseen": ("lonely", "sad", "hurt"),
    "cheated": ("angry", "hurt", "disappointed"),
    "cheated on": ("hurt", "angry", "shocked"),
    "pressured": ("anxious", "tense", "overwhelmed"),
    "pressurised": ("anxious", "tense", "overwhelmed"),
    "pressurized": ("anxious", "tense", "overwhelmed"),
    "taken for granted": ("sad", "tired", "resentful"),
    "let down": ("disappointed", "sad", "hurt"),
    "dismissed": ("hurt", "frustrated", "discouraged"),
    "unsupported": ("overwhelmed", "lonely", "tired"),
    "bullied": ("scared", "hurt", "angry"),
    "cornered": ("scared", "anxious", "tense"),
    "coerced": ("angry", "scared", "uneasy"),
    "diminished": ("hurt", "sad", "discouraged"),
    "intimidated": ("scared", "anxious", "nervous"),
    "interrupted": ("frustrated", "irritated", "discouraged"),
    "patronised": ("irritated", "hurt", "frustrated"),
    "patronized": ("irritated", "hurt", "frustrated"),
    "provoked": ("angry", "irritated", "tense"),
    "put down": ("hurt", "embarrassed", "sad"),
    "threatened": ("scared", "anxious", "alarmed"),
    "unimportant": ("sad", "lonely", "hurt"),
    "left out": ("lonely", "sad", "hurt"),
    "shut out": ("lonely", "hurt", "sad"),
    "pushed away": ("lonely", "hurt", "sad"),
    "lied to": ("hurt", "angry", "confused"),
    "walked all over": ("frustrated", "hurt", "resentful"),
    "overworked": ("exhausted", "overwhelmed", "resentful"),
    "insulted": ("hurt", "angry", "embarrassed"),
    "invalidated": ("hurt", "frustrated", "lonely"),
    "gaslit": ("confused", "scared", "angry"),
    "gaslighted": ("confused", "scared", "angry"),
    "smothered": ("tense", "restless", "overwhelmed"),
    "suffocated": ("tense", "restless", "overwhelmed"),
    "trapped": ("scared", "tense", "hopeless"),
    "sidelined": ("hurt", "lonely", "disappointed"),
    "excluded": ("lonely", "hurt", "sad"),
    "unnoticed": ("lonely", "sad", "hurt"),
}
# Words between "I feel" and the feeling word that don't change anything.
FEEL_MODIFIERS = frozenset(
    {
        "so", "really", "very", "completely", "totally", "kind", "of", "sort", "kinda",
        "sorta", "a", "bit", "little", "just", "pretty", "quite", "super", "extremely",
        "incredibly", "utterly", "somewhat", "rather", "deeply", "constantly", "always",
        "often", "sometimes", "also", "too", "again", "more", "most", "and", "or", ",", "&",
        "but", "then", "honestly", "literally", "properly", "such", "fairly", "slightly",
        "increasingly", "getting", "still", "even", "bloody", "fucking", "damn", "tad",
        "lot", "not", "never", "all", "alone", "like", '"', "“", "”", "'", "«", "»",
    }
)
FEEL_BE_VERBS = frozenset({"am", "'m", "m", "being", "been", "get", "got", "getting", "gets"})
# "I feel like crying" is an urge, not a thought; "feel like nothing I do …" is a thought.
NOT_GERUNDS = frozenset({"nothing", "something", "everything", "anything", "thing", "king"})
THOUGHT_STARTERS = frozenset(
    {
        "you", "u", "ya", "ur", "he", "she", "they", "we", "it", "this", "there",
        "nobody", "everyone", "everybody", "my", "your", "our", "his", "her", "their", "i",
        "people", "no", "none", "someone", "somebody", "things",
    }
)

# --- request ---------------------------------------------------------------------

IMPERATIVE_LEADS = frozenset(
    {
        "please", "pls", "plz", "just", "and", "so", "but", "then", ",", "oh", "also",
        "seriously", "honestly", "now", "ok", "okay", "babe", "baby", "love", "hon", "honey",
        "-", ":", "kindly",
    }
)
NEGATIVE_EXEMPT_AFTER_DONT = frozenset({"forget", "hesitate", "worry"})
STOP_EXEMPT_NEXT = frozenset(
    {"by", "at", "off", "in", "over", "round", "for", "to", "on", "and"}
)
NEGATIVE_PHRASES = ("cut it out", "knock it off", "lay off", "refrain from", "give it a rest")
REQUEST_MODALS = frozenset({"can", "could", "would", "will", "wo"})

VAGUE_ADJECTIVES = frozenset(
    {
        "nice", "kind", "supportive", "considerate", "respectful", "present", "honest",
        "romantic", "affectionate", "thoughtful", "understanding", "patient", "mature",
        "reasonable", "fair", "loving", "caring", "good", "sweet", "attentive", "involved",
        "helpful", "positive", "open", "adult", "grown-up", "responsible", "communicative",
        "available", "engaged", "gentle", "calm", "tolerant", "appreciative", "interested",
        "trustworthy", "reliable", "dependable", "there", "better", "nicer", "kinder",
        "calmer", "gentler", "sweeter", "closer", "warmer", "happier", "stronger", "softer",
        "grown", "normal", "sensitive", "loyal", "faithful", "independent", "proactive",
    }
)
VAGUE_PHRASES = (
    "care more", "try harder", "do better", "do more", "help more", "help out more",
    "listen more", "listen to me more", "listen to me", "talk more", "talk to me more",
    "communicate better", "communicate more", "love me more", "appreciate me",
    "appreciate me more", "respect me",
    "respect me more", "respect my time", "respect my feelings", "respect my boundaries",
    "respect my needs", "respect my space", "pay attention", "pay more attention",
    "make an effort", "make more effort", "make more of an effort", "put in more effort",
    "put in effort", "put more effort", "show me you care", "show me that you care",
    "show me you love me", "show me that you love me", "show me some love",
    "show me some respect", "show more interest", "understand me", "take me seriously",
    "grow up", "act like an adult", "act your age", "get your act together", "step up",
    "open up", "open up more", "support me", "support me more", "be on my side",
    "have my back", "treat me better", "treat me right", "treat me with respect",
    "think about me", "think about me more", "think of me", "consider my feelings",
    "prioritise me", "prioritize me", "prioritise us", "prioritize us", "put me first",
    "spend more time with me", "spend more time together", "be there for me", "be there",
    "change your attitude", "sort yourself out", "pull your weight", "work on yourself",
    "make me feel loved", "make me feel special", "make me feel important",
    "make me feel valued", "make me feel appreciated", "make me feel wanted",
    "value me", "value me more", "include me more", "be better", "care about me",
    "make me a priority", "make us a priority", "make me your priority",
    "make me more of a priority", "make us more of a priority", "sort your life out",
    "get your life together", "get your shit together", "get it together",
    "pull yourself together", "sort your head out", "be a priority",
    "care about me more", "care about us", "care about us more",
)
# "take more responsibility", "show some interest", "put in more effort"
ABSTRACT_VERBS = frozenset({"take", "show", "give", "put", "have", "make"})
ABSTRACT_NOUNS = frozenset(
    {
        "responsibility", "initiative", "interest", "effort", "consideration", "respect",
        "affection", "attention", "patience", "empathy", "understanding", "commitment",
        "ownership", "care", "compassion", "appreciation", "gratitude", "accountability",
        "kindness", "warmth", "enthusiasm",
    }
)
# Anything like this makes a request concrete enough to act on.
CONCRETE_TIME = (
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "mondays", "tuesdays", "wednesdays", "thursdays", "fridays", "saturdays", "sundays",
    "weekend", "weekends", "weeknight", "weeknights", "tonight", "tomorrow", "today",
    "this morning", "this evening", "this afternoon", "this week", "next week",
    "every morning", "every evening", "every night", "once a week", "twice a week",
    "once a month", "in the morning", "in the evening", "at dinner", "at lunch",
    "at breakfast", "at bedtime", "during dinner", "before bed", "after dinner",
    "after work", "before work", "when you get home", "when you come home",
    "when you leave", "o'clock", "minutes", "mins", "hours", "hour", "noon",
    "midnight", "lunchtime", "dinnertime", "bedtime", "morning", "evening",
)
CONCRETE_ACTIONS = frozenset(
    {
        "text", "call", "message", "phone", "ring", "hug", "kiss", "cook", "wash", "clean",
        "hoover", "vacuum", "tidy", "empty", "book", "plan", "walk", "bring", "buy", "pay",
        "send", "read", "write", "dishes", "laundry", "bins", "bin", "drive", "pick",
        "drop", "sit", "ask", "tell", "put", "turn", "switch", "hold", "cuddle", "schedule",
        "join", "come", "meet", "watch", "eat", "sleep", "hand", "fix", "replace",
        "sort", "organise", "organize", "set", "take", "check", "reply", "respond", "say",
    }
)

DEMAND_MODALS = ("have to", "'ve got to", "have got to", "got to", "gotta", "must",
                 "need to", "needa", "better", "'d better", "had better", "ought to",
                 "should", "shall")
DEMAND_PHRASES = (
    "or else", "i'm not asking", "i am not asking", "end of discussion", "end of story",
    "no excuses", "last chance", "final warning", "i demand", "i insist", "non-negotiable",
    "non negotiable", "no ifs", "no arguments", "not up for debate", "that's an order",
    "i expect you to", "i am expecting you to", "i will expect you to", "you are expected to",
    "i'm expecting you to", "i require you to", "i'm telling you to", "i am telling you to",
)
DEMAND_EXEMPT_BEFORE = frozenset(
    {
        "if", "when", "whenever", "unless", "case", "know", "understand", "realise",
        "realize", "get", "because", "since", "why", "do", "does", "once", "until",
        "whether", "while", "appreciate", "think", "before", "after",
    }
)
THREAT_WORDS = (
    "leave", "leaving", "leave you", "i'm done", "we're done", "i am done", "we are done",
    "it's over", "we're over", "it is over", "we are over", "i'm gone", "i'm out",
    "i am out", "we're through", "i'm through", "finished", "divorce", "won't forgive",
    "never forgive", "without you", "go alone", "going alone", "break up", "breaking up",
    "end it", "call it off", "consequences", "regret it", "moving out", "move out",
    "kick you out", "dump you", "walk out", "sleep on the couch", "sleep on the sofa",
)

# --- other languages -------------------------------------------------------------

# Function words that are common in nearby European languages and rare in English.
FOREIGN_WORDS = frozenset(
    {
        "el", "la", "los", "las", "que", "y", "es", "estoy", "muy", "pero", "por", "para",
        "con", "siento", "yo", "tu", "nunca", "siempre", "cuando", "mi", "je", "il", "elle",
        "nous", "vous", "est", "suis", "les", "des", "une", "et", "pas", "mais", "avec",
        "toujours", "jamais", "quand", "très", "ich", "du", "bin", "bist", "ist", "nicht",
        "und", "das", "der", "ein", "eine", "mit", "immer", "nie", "wenn", "aber", "sehr",
        "mich", "dich", "io", "sono", "sei", "che", "non", "mai", "sempre", "ti", "molto",
        "eu", "você", "voce", "estou", "muito", "não", "nao", "com", "ik", "niet",
        "het", "een", "ben", "altijd", "nooit", "och", "jag", "är", "inte", "aldrig",
        "alltid", "jeg", "ikke", "aldri", "altid", "dici", "ho", "hai", "mir",
        "dir", "mein", "dein", "meine", "deine", "moi", "toi", "ne", "pourquoi",
    }
)
# fmt: on
