"""Categories of the context layers (places). Plain constants: the command line offers them as
choices without loading the ORM."""

PLACE_CATEGORIES = (
    "station", "tram_stop", "bus_stop", "culture", "retail", "gastronomy", "education",
    "service", "other",
)
