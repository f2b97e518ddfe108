"""The demo's words and places: names, schools, districts, and the notes a worker writes."""
from __future__ import annotations

from ..models import GoalStatus, VisitOutcome

CITIES = {
    "Leeds": ["LS6", "LS7", "LS8", "LS9", "LS11", "LS12", "LS14"],
    "Bradford": ["BD3", "BD4", "BD5", "BD7", "BD8"],
    "Manchester": ["M8", "M9", "M11", "M13", "M14", "M40"],
}
TEAM_NAMES = [
    ("Leeds North", "Leeds"),
    ("Bradford East", "Bradford"),
    ("Manchester South", "Manchester"),
    ("Leeds East", "Leeds"),
    ("Bradford West", "Bradford"),
    ("Manchester North", "Manchester"),
    ("Leeds South", "Leeds"),
    ("Manchester East", "Manchester"),
    ("Leeds West", "Leeds"),
    ("Bradford South", "Bradford"),
]
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXY"

STAFF_FIRST = [
    "Priya", "Joanne", "Helen", "Tom", "Nasreen", "Claire", "Mark", "Rebecca", "Sadia", "Paul",
    "Lucy", "Anita", "David", "Karen", "Imran", "Sophie", "Hannah", "Gareth", "Farah", "Nicola",
    "Ewa", "Michelle", "Rob", "Yasmin", "Kate", "Dan", "Sunita", "Beth", "Chris", "Ruth",
    "Abdul", "Jenny", "Steph", "Olu", "Aoife", "Martin", "Zainab", "Louise", "Sam", "Tanya",
]
STAFF_LAST = [
    "Shah", "Bailey", "Carter", "Whitaker", "Akhtar", "Morgan", "Hughes", "Lister", "Malik",
    "Fletcher", "Barnes", "Kaur", "Dawson", "Heaton", "Rashid", "Pearson", "Quinn", "Gill",
    "Nowicka", "Bentley", "Ogunleye", "Sutcliffe", "Walsh", "Iqbal", "Dempsey", "Crossley",
    "Mistry", "Holt", "Brennan", "Asante",
]
SURNAMES = [
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Walker", "Robinson",
    "Wright", "Thompson", "Wood", "Jackson", "Clarke", "Green", "Hall", "Khan", "Hussain",
    "Ahmed", "Ali", "Begum", "Mahmood", "Iqbal", "Patel", "Kowalski", "Nowak", "Murphy",
    "Kelly", "O'Brien", "Okafor", "Mensah", "Osei", "Mohamed", "Abdi", "Popescu", "Ionescu",
    "Hughes", "Moore", "Harrison", "Marshall", "Atkinson", "Holmes", "Barker", "Firth",
    "Lee", "Evans", "Roberts", "Cooper", "Ward", "Turner",
]
GIRLS = [
    "Olivia", "Amelia", "Isla", "Ava", "Mia", "Lily", "Freya", "Aisha", "Maryam", "Zara",
    "Amira", "Hana", "Ruby", "Poppy", "Evie", "Grace", "Sophie", "Leah", "Chloe", "Tia",
    "Nevaeh", "Zuzanna", "Maja", "Ella", "Harper", "Willow", "Skye", "Aaliyah", "Esme", "Ivy",
]
BOYS = [
    "Oliver", "George", "Noah", "Leo", "Harry", "Jack", "Charlie", "Alfie", "Muhammad",
    "Ibrahim", "Yusuf", "Ayaan", "Adam", "Riley", "Mason", "Tyler", "Kai", "Jayden", "Logan",
    "Theo", "Archie", "Oscar", "Jakub", "Kacper", "Tommy", "Reggie", "Finley", "Zayn",
    "Bobby", "Elijah",
]
MOTHERS = [
    "Sarah", "Emma", "Laura", "Gemma", "Kelly", "Stacey", "Chantelle", "Jade", "Samantha",
    "Nadia", "Shazia", "Fatima", "Agnieszka", "Kasia", "Ioana", "Amina", "Precious", "Chipo",
    "Rachel", "Natalie", "Lisa", "Danielle", "Kirsty", "Leanne", "Shannon",
]
FATHERS = [
    "Daniel", "Lee", "Craig", "Ryan", "Dean", "Imran", "Tariq", "Asif", "Piotr", "Marek",
    "Andrei", "Emeka", "Kwame", "Jamie", "Scott", "Wayne", "Liam", "Carl",
]
GRANDMOTHERS = ["Linda", "Susan", "Pauline", "Janet", "Bernadette", "Shirley", "Nasim", "Halina"]
SCHOOL_WORDS = [
    "Beckside", "Hollybank", "Moorfield", "Parkside", "St Anne's", "Greenhill", "Valley View",
    "Oakwood Lane", "Brookfield", "Westfield", "Ashgrove", "Hillcrest", "Northway",
    "Millbeck", "Cross Flatts", "Elmfield",
]
REFERRAL_SOURCES = [
    ("Health visitor", 5), ("School", 5), ("GP", 2), ("Self-referral", 2), ("Midwife", 1),
    ("Police (domestic abuse notification)", 1), ("Children's centre", 2),
    ("Housing officer", 1), ("Children's social care (step down)", 2),
]
NEGLECT_WEIGHTS = {
    "neglect_physical": 6, "neglect_emotional": 4, "neglect_medical": 2,
    "neglect_educational": 3, "neglect_supervision": 3,
}
FACTOR_WEIGHTS = {
    "domestic_abuse": 4, "substance_misuse": 3, "parental_mental_health": 6, "housing": 4,
    "finances": 5, "learning_disability": 1,
}
GOAL_TITLES = {
    "family_routine": [
        "The children have a regular bedtime",
        "The children get up in time for school every morning",
        "We eat together at the table most days",
    ],
    "home_conditions": [
        "The kitchen is clean and safe to cook in",
        "Each child has a clean bed of their own",
        "The house is tidy enough for the children to play safely",
    ],
    "health": [
        "The children go to all their health appointments",
        "The baby's jabs are up to date",
        "The children see the dentist",
    ],
    "emotional_wellbeing": [
        "The children feel listened to at home",
        "We spend time playing together every day",
    ],
    "safety": [
        "The children are never left at home on their own",
        "Medicines and cleaning products are kept out of reach",
        "We have a safety plan we all understand",
    ],
    "education": [
        "The children get to school on time every day",
        "School attendance is above 90%",
        "We read a story together every night",
    ],
    "boundaries_behaviour": [
        "We use the same calm rules for all the children",
        "Tantrums at bedtime are handled calmly",
    ],
    "relationships": [
        "Mum has people she can call on for help",
        "The children spend time with family who keep them safe",
    ],
    "money_housing": [
        "The rent is paid and the arrears are going down",
        "There is always food in the house at the end of the month",
        "We have a plan with the housing officer",
    ],
    "parental_wellbeing": [
        "I go to my appointments with the mental health team",
        "I feel less alone and know where to get support",
        "I keep going to the drug and alcohol service",
    ],
}
VISIT_NOTES = {
    VisitOutcome.COMPLETED: [
        "Home visit. Went through the morning routine chart together; the kitchen was much tidier.",
        "Talked about bedtimes. The children were clean, fed and playing happily.",
        "Looked at the food diary and made a shopping plan for the week.",
        "Mum said the week had been hard; talked about who she can call. Children seen and well.",
        "Practised calm responses to tantrums; mum tried it with the youngest while I was there.",
        "Checked on the new beds; each child now has their own. Talked about school mornings.",
        "Went through the letter from school about attendance and agreed the next steps.",
        "Helped to fill in the form for the food bank and the school uniform grant.",
        "Visit went well. Parents engaged and talked openly about what is getting better.",
        "House cold; talked through the energy grant. The children were dressed warmly.",
    ],
    VisitOutcome.NO_ACCESS: [
        "No answer at the door. Left a card and sent mum a text.",
        "Nobody in, curtains closed. Rang mum twice with no answer.",
        "Heard the TV inside but no one came to the door. Left a card.",
    ],
    VisitOutcome.CANCELLED: [
        "Mum cancelled by text an hour before: she said she was unwell.",
        "Cancelled by the family: a hospital appointment clashed. Rearranged for next week.",
        "Mum asked to move the visit; she had to go to the housing office.",
    ],
}
# Why a goal was marked achieved or withdrawn, as the worker records it.
GOAL_CHANGE_REASONS = {
    GoalStatus.ACHIEVED: "The target was reached; agreed with the family at the rating.",
    GoalStatus.WITHDRAWN: "Not working for the family; the plan tries another way.",
}
RATING_NOTES = [
    "", "", "", "Agreed with mum at the visit.", "Mum feels this is getting better.",
    "A harder fortnight.", "Small steps, but steady.", "Talked through what helped.",
]
# The outcome areas a plan most often works on for each concern.
CONCERN_AREAS = {
    "neglect_physical": ("home_conditions", "family_routine", "health"),
    "neglect_emotional": ("emotional_wellbeing", "boundaries_behaviour", "relationships"),
    "neglect_medical": ("health",),
    "neglect_educational": ("education", "family_routine"),
    "neglect_supervision": ("safety", "boundaries_behaviour"),
    "domestic_abuse": ("safety", "relationships"),
    "substance_misuse": ("parental_wellbeing", "safety"),
    "parental_mental_health": ("parental_wellbeing", "emotional_wellbeing"),
    "housing": ("money_housing", "home_conditions"),
    "finances": ("money_housing",),
    "learning_disability": ("family_routine", "parental_wellbeing"),
}
REVIEW_NOTES = [
    "The plan is working; continue with weekly visits.",
    "Good progress on most goals; keep the plan as it is for another six weeks.",
    "Some goals are moving slowly; agreed extra support with the routine.",
    "Mum wants to keep working together; the plan continues.",
]
REVIEW_ATTENDEES = [
    "Mum, family worker",
    "Mum, dad, family worker",
    "Mum, family worker, health visitor",
    "Mum, family worker, school family liaison officer",
    "Parents, family worker, team manager",
]
