"""Small built-in word lists the synthetic retailer draws from.

The retailer sells in Germany: its customers live in the sixteen states and a few
cities of each, weighted by population. Names, streets and brands are drawn from
short lists here (no external faker), and every e-mail address is at ``example.com``
so no generated record can be mistaken for a real person's.
"""

from __future__ import annotations

COUNTRY = "Germany"

CITIES: tuple[tuple[str, str, str, int], ...] = (
    # (city, region, postcode prefix, population in thousands)
    ("Berlin", "Berlin", "10", 3850),
    ("Hamburg", "Hamburg", "20", 1900),
    ("Munich", "Bavaria", "80", 1510),
    ("Nuremberg", "Bavaria", "90", 530),
    ("Augsburg", "Bavaria", "86", 300),
    ("Regensburg", "Bavaria", "93", 155),
    ("Cologne", "North Rhine-Westphalia", "50", 1090),
    ("Düsseldorf", "North Rhine-Westphalia", "40", 630),
    ("Dortmund", "North Rhine-Westphalia", "44", 595),
    ("Essen", "North Rhine-Westphalia", "45", 585),
    ("Münster", "North Rhine-Westphalia", "48", 320),
    ("Frankfurt am Main", "Hesse", "60", 775),
    ("Kassel", "Hesse", "34", 205),
    ("Stuttgart", "Baden-Württemberg", "70", 630),
    ("Karlsruhe", "Baden-Württemberg", "76", 310),
    ("Freiburg im Breisgau", "Baden-Württemberg", "79", 235),
    ("Leipzig", "Saxony", "04", 620),
    ("Dresden", "Saxony", "01", 565),
    ("Hanover", "Lower Saxony", "30", 545),
    ("Brunswick", "Lower Saxony", "38", 250),
    ("Bremen", "Bremen", "28", 570),
    ("Mainz", "Rhineland-Palatinate", "55", 220),
    ("Trier", "Rhineland-Palatinate", "54", 110),
    ("Kiel", "Schleswig-Holstein", "24", 250),
    ("Lübeck", "Schleswig-Holstein", "23", 220),
    ("Rostock", "Mecklenburg-Western Pomerania", "18", 210),
    ("Schwerin", "Mecklenburg-Western Pomerania", "19", 98),
    ("Potsdam", "Brandenburg", "14", 185),
    ("Magdeburg", "Saxony-Anhalt", "39", 240),
    ("Halle (Saale)", "Saxony-Anhalt", "06", 240),
    ("Erfurt", "Thuringia", "99", 215),
    ("Jena", "Thuringia", "07", 110),
    ("Saarbrücken", "Saarland", "66", 180),
)

FIRST_NAMES_FEMALE: tuple[str, ...] = (
    "Anna", "Lena", "Marie", "Sophie", "Laura", "Julia", "Hannah", "Lea", "Emma", "Mia",
    "Katharina", "Sarah", "Lisa", "Johanna", "Clara", "Paula", "Sabine", "Petra", "Monika",
    "Ursula", "Claudia", "Andrea", "Nicole", "Stefanie", "Jana", "Greta", "Ida", "Frieda",
)  # fmt: skip
FIRST_NAMES_MALE: tuple[str, ...] = (
    "Lukas", "Jonas", "Leon", "Finn", "Paul", "Felix", "Maximilian", "Noah", "Elias", "Ben",
    "Thomas", "Michael", "Andreas", "Stefan", "Peter", "Klaus", "Jürgen", "Wolfgang",
    "Markus", "Tobias", "Daniel", "Jan", "Moritz", "Emil", "Anton", "Karl", "Oskar", "Theo",
)  # fmt: skip
LAST_NAMES: tuple[str, ...] = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
    "Schulz", "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf",
    "Schröder", "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann",
    "Lange", "Schmitt", "Werner", "Schmitz", "Krause", "Meier", "Lehmann", "Schmid",
    "Schulze", "Maier", "Köhler", "Herrmann", "König", "Walter", "Mayer", "Huber",
)  # fmt: skip
STREETS: tuple[str, ...] = (
    "Hauptstraße", "Schulstraße", "Gartenstraße", "Bahnhofstraße", "Dorfstraße",
    "Bergstraße", "Birkenweg", "Lindenstraße", "Kirchstraße", "Waldstraße", "Ringstraße",
    "Schillerstraße", "Goethestraße", "Amselweg", "Wiesenweg", "Mühlenweg", "Am Markt",
)  # fmt: skip

BRAND_STEMS: tuple[str, ...] = (
    "Nord", "Alpen", "Stern", "Wald", "Fluss", "Linden", "Eichen", "Sonnen", "Berg",
    "Silber", "Falken", "Kranich", "Blau", "Grün", "Feder", "Wolken",
)  # fmt: skip
BRAND_ENDINGS: tuple[str, ...] = ("werk", "haus", "licht", "form", "zeit", "kraft", "art", "feld")

PRODUCT_NOUNS: dict[str, tuple[str, ...]] = {
    "fashion": ("T-Shirt", "Jacket", "Dress", "Jeans", "Sweater", "Scarf", "Shirt", "Coat"),
    "shoes": ("Sneaker", "Boot", "Sandal", "Loafer", "Running Shoe", "Slipper"),
    "beauty": ("Face Cream", "Shampoo", "Perfume", "Lipstick", "Body Lotion", "Serum"),
    "electronics": ("Headphones", "Speaker", "Smartwatch", "Tablet", "Camera", "Charger"),
    "home": ("Cushion", "Lamp", "Rug", "Vase", "Blanket", "Mirror", "Curtain"),
    "kitchen": ("Pan", "Knife Set", "Kettle", "Coffee Maker", "Mug Set", "Blender"),
    "garden": ("Planter", "Hose", "Garden Chair", "Lantern", "Pruner", "Grill"),
    "sports": ("Yoga Mat", "Dumbbell", "Backpack", "Tent", "Bike Helmet", "Water Bottle"),
    "toys": ("Puzzle", "Building Set", "Plush Bear", "Board Game", "Doll", "Toy Car"),
    "books": ("Novel", "Cookbook", "Travel Guide", "Biography", "Picture Book", "Atlas"),
}
PRODUCT_ADJECTIVES: tuple[str, ...] = (
    "Classic", "Urban", "Essential", "Premium", "Light", "Comfort", "Eco", "Pro", "Mini",
    "Vintage", "Smart", "Soft",
)  # fmt: skip

CATEGORY_ECONOMICS: dict[str, tuple[float, float, float]] = {
    # (median list price, log-normal sigma of list prices, gross margin)
    "fashion": (35.0, 0.6, 0.55),
    "shoes": (70.0, 0.5, 0.45),
    "beauty": (18.0, 0.6, 0.60),
    "electronics": (120.0, 1.0, 0.18),
    "home": (40.0, 0.8, 0.45),
    "kitchen": (30.0, 0.7, 0.40),
    "garden": (45.0, 0.8, 0.40),
    "sports": (50.0, 0.8, 0.40),
    "toys": (25.0, 0.6, 0.38),
    "books": (14.0, 0.4, 0.30),
}

CATEGORY_INTEREST: dict[str, str] = {
    "fashion": "fashion",
    "shoes": "fashion",
    "beauty": "beauty",
    "electronics": "tech",
    "home": "home",
    "kitchen": "cooking",
    "garden": "outdoor",
    "sports": "outdoor",
    "toys": "family",
    "books": "reading",
}
"""The ``interest`` attribute a customer states, from their favourite category."""
