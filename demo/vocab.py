"""English vocabulary for the demo generator, written for sluiceway (no third-party text).

Each topic lists words per grammatical slot as whitespace-separated strings: ``_`` joins a
multi-word entry and ``singular/plural`` gives an irregular plural. Verbs are base forms.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    name: str
    agents: tuple[str, ...]
    verbs: tuple[str, ...]
    objects: tuple[str, ...]
    adjs: tuple[str, ...]
    places: tuple[str, ...]
    activities: tuple[str, ...]
    domains: tuple[str, ...]
    plurals: dict[str, str]


def _words(spec: str) -> tuple[tuple[str, ...], dict[str, str]]:
    words, plurals = [], {}
    for item in spec.split():
        item = item.replace("_", " ")
        if "/" in item:
            item, plural = item.split("/")
            plurals[item] = plural
        words.append(item)
    return tuple(words), plurals


def _topic(name: str, **slots: str) -> Topic:
    parsed, plurals = {}, {}
    for slot, spec in slots.items():
        parsed[slot], extra = _words(spec)
        plurals.update(extra)
    return Topic(name=name, plurals=plurals, **parsed)


TOPICS: tuple[Topic, ...] = (
    _topic(
        "cooking",
        agents="chef baker home_cook line_cook pastry_chef food_writer caterer butcher student_cook "
        "restaurant_owner kitchen_assistant fishmonger recipe_tester cheesemaker",
        verbs="chop slice stir season roast bake simmer taste knead whisk grate peel fold marinate grill "
        "toast blend drain rinse sprinkle measure prepare serve braise poach sauté glaze reheat strain",
        objects="onion garlic_clove carrot loaf/loaves sauce stew broth skillet baking_tray wooden_spoon "
        "knife/knives tomato/tomatoes potato/potatoes pie_crust omelette risotto salad dumpling noodle "
        "flatbread pepper lemon sourdough_starter mushroom cabbage pastry custard casserole marinade "
        "jalapeño brisket fillet biscuit spice_blend purée crème_brûlée soup",
        adjs="crispy tender fragrant golden spicy savory tangy creamy fresh smoky delicate rich hearty "
        "zesty sticky crumbly silky bitter sweet buttery flaky juicy rustic homemade seasonal",
        places="in_the_kitchen on_the_stove at_the_market in_a_cast-iron_pan over_a_low_flame "
        "on_the_cutting_board in_the_oven at_the_farmers_market in_a_small_café in_a_busy_restaurant "
        "at_a_family_dinner in_the_pantry",
        activities="baking_bread making_fresh_pasta slow_roasting cooking_for_a_crowd meal_planning "
        "fermenting_vegetables making_stock preparing_weeknight_dinners decorating_cakes pickling",
        domains="stirandsimmer.example weeknightkitchen.example crumbandcrust.example",
    ),
    _topic(
        "astronomy",
        agents="astronomer stargazer astrophysicist observatory_technician amateur_observer telescope_maker "
        "planetarium_guide space_probe research_student satellite navigator mission_planner",
        verbs="observe track photograph measure map chart detect study catalogue spot calibrate align "
        "magnify analyze image survey locate predict record monitor",
        objects="comet nebula galaxy/galaxies star_cluster planet moon asteroid meteor_shower telescope "
        "eyepiece star_chart eclipse supernova spectrum/spectra crater orbit constellation light_curve "
        "exoplanet red_giant white_dwarf pulsar lens mirror tripod sky_survey binary_star dust_cloud "
        "ring_system",
        adjs="distant faint bright icy rocky luminous dim ancient spiral elliptical cosmic stellar lunar "
        "solar orbital massive rotating cold glowing reddish bluish dusty magnetic remote",
        places="from_the_observatory under_a_dark_sky above_the_horizon near_the_celestial_equator "
        "in_the_southern_sky through_a_small_telescope on_a_clear_night beyond_the_asteroid_belt "
        "at_the_edge_of_the_galaxy from_a_mountain_top in_the_outer_solar_system",
        activities="stargazing observing_the_night_sky tracking_comets building_a_telescope "
        "photographing_galaxies searching_for_exoplanets watching_meteor_showers mapping_the_moon",
        domains="darkskynotes.example orbitandlens.example nightobservers.example",
    ),
    _topic(
        "football",
        agents="striker goalkeeper midfielder defender coach referee winger captain manager scout fullback "
        "supporter commentator youth_player physio",
        verbs="pass shoot tackle defend dribble head block cross clear intercept train press mark chase "
        "score save control celebrate analyze rotate substitute review practice",
        objects="ball goal penalty free_kick corner_kick header pitch match league trophy/trophies "
        "formation counterattack offside_trap transfer jersey season derby stadium whistle tactic sprint "
        "drill training_session yellow_card shootout substitution back_pass through_ball clean_sheet fixture",
        adjs="fast clinical tireless defensive attacking crowded muddy decisive confident young "
        "experienced talented narrow wide late early aggressive disciplined composed loud historic dramatic",
        places="on_the_pitch in_the_penalty_area near_the_touchline at_the_training_ground in_the_stadium "
        "in_front_of_the_home_crowd on_the_wing in_midfield during_the_second_half in_the_dressing_room "
        "in_extra_time at_the_far_post",
        activities="coaching_youth_teams playing_in_defence taking_penalties scouting_new_talent "
        "running_a_supporters_club training_goalkeepers studying_match_tactics",
        domains="touchlinetalk.example thefarpost.example matchdaydiary.example",
    ),
    _topic(
        "gardening",
        agents="gardener allotment_holder landscaper florist beekeeper grower botanist nursery_owner "
        "orchard_keeper volunteer horticulturist groundskeeper",
        verbs="prune water plant sow harvest mulch weed fertilize transplant dig compost trim graft rake "
        "shade stake repot divide propagate irrigate cultivate protect feed",
        objects="seedling rose_bush tomato_vine herb_bed compost_heap shrub hedge flower_bed raised_bed "
        "greenhouse watering_can trowel bulb perennial lawn orchard fruit_tree seed_tray vegetable_patch "
        "climbing_bean sunflower potting_mix root_system cutting trellis tulip lavender_plant hose "
        "wheelbarrow pumpkin",
        adjs="leafy thorny fragrant sunny shady sandy moist fertile hardy tender overgrown flowering "
        "evergreen young mature compact vigorous drought-tolerant wild neat colorful woody",
        places="in_the_greenhouse along_the_fence in_the_back_garden on_the_allotment under_the_apple_tree "
        "in_a_sunny_corner beside_the_pond in_clay_soil on_the_balcony near_the_shed in_a_terracotta_pot",
        activities="growing_vegetables pruning_fruit_trees keeping_bees composting_kitchen_scraps "
        "starting_seeds_indoors designing_a_cottage_garden growing_herbs",
        domains="greenfingersjournal.example theallotmentlog.example soilandseed.example",
    ),
    _topic(
        "finance",
        agents="investor accountant banker analyst financial_planner trader auditor borrower lender "
        "shareholder economist tax_adviser bookkeeper fund_manager retiree",
        verbs="invest budget save borrow repay audit forecast diversify rebalance allocate hedge estimate "
        "calculate review report refinance deposit withdraw track compare negotiate value",
        objects="portfolio bond share dividend loan mortgage interest_rate savings_account pension budget "
        "invoice balance_sheet tax_return index_fund credit_card asset liability/liabilities cash_flow "
        "expense salary/salaries retirement_plan spreadsheet stock_market quarterly_report emergency_fund "
        "currency/currencies annuity/annuities ledger receipt payment",
        adjs="volatile stable risky conservative long-term short-term profitable modest fixed variable "
        "annual monthly liquid diversified cautious generous costly prudent steady global inflation-linked",
        places="at_the_bank on_the_stock_exchange in_the_annual_report during_a_recession "
        "in_a_rising_market at_the_end_of_the_quarter in_the_household_budget on_the_balance_sheet "
        "in_a_low-rate_environment",
        activities="saving_for_retirement paying_off_debt building_an_emergency_fund "
        "investing_in_index_funds planning_a_household_budget filing_taxes",
        domains="prudentpenny.example ledgerandlamp.example compoundnotes.example",
    ),
    _topic(
        "history",
        agents="historian archaeologist archivist chronicler scholar museum_curator emperor merchant monk "
        "soldier explorer diplomat peasant scribe queen",
        verbs="document excavate preserve translate rule conquer defend record interpret restore catalogue "
        "trade negotiate rebuild compare date reconstruct study uncover question revise examine",
        objects="manuscript treaty/treaties empire dynasty/dynasties castle fortress chronicle artifact "
        "inscription trade_route temple coin battle rebellion harbor parchment city_wall excavation_site "
        "royal_court tax_record map letter tomb colony/colonies ruin monument charter archive "
        "pottery_shard bronze_statue façade",
        adjs="medieval ancient imperial forgotten fortified royal colonial sacred crumbling contested early "
        "late prosperous powerful rural coastal bloody peaceful rare original surviving",
        places="in_the_archive at_the_excavation_site along_the_old_trade_route inside_the_city_walls "
        "in_the_royal_court near_the_river_delta in_the_monastery_library on_the_northern_frontier "
        "in_the_museum_basement during_the_long_winter_siege",
        activities="studying_medieval_trade reading_old_manuscripts excavating_ancient_settlements "
        "restoring_historic_buildings tracing_family_history visiting_battlefields",
        domains="dustyarchives.example thechroniclenotes.example pastandpresentreview.example",
    ),
    _topic(
        "programming",
        agents="developer programmer software_engineer tester code_reviewer maintainer compiler build_server "
        "junior_developer team_lead contributor database_administrator library_author",
        verbs="refactor debug compile deploy test profile document optimize review merge parse cache index "
        "benchmark rewrite package configure log validate serialize version trace patch lint",
        objects="function module unit_test database_query pull_request branch commit variable loop "
        "class/classes interface dependency/dependencies stack_trace memory_leak configuration_file "
        "command-line_tool endpoint build_script regression algorithm data_structure hash_table log_file "
        "release compiler_warning test_suite code_path bug thread cache",
        adjs="readable modular concurrent recursive slow fast flaky legacy verbose minimal robust brittle "
        "typed asynchronous efficient reusable noisy stable experimental deprecated lightweight",
        places="in_production on_the_staging_server in_the_main_branch during_code_review "
        "in_the_test_environment on_a_developer_laptop in_the_build_pipeline behind_a_feature_flag "
        "in_the_legacy_codebase",
        activities="writing_unit_tests reviewing_pull_requests debugging_concurrency_issues "
        "learning_a_new_language maintaining_open-source_projects profiling_slow_code",
        domains="refactorlog.example thestacktrace.example compiledthoughts.example",
    ),
    _topic(
        "music",
        agents="pianist violinist drummer composer conductor singer guitarist choir sound_engineer "
        "songwriter music_teacher orchestra bassist producer cellist",
        verbs="compose rehearse perform record tune arrange improvise conduct mix transpose harmonize play "
        "sing practice strum orchestrate remix master accompany notate",
        objects="melody/melodies chord symphony/symphonies sonata rhythm scale ballad concerto song album "
        "bassline drum_pattern harmony/harmonies score solo chorus verse overture guitar_riff piano_piece "
        "tempo refrain lullaby/lullabies studio_session duet arrangement recording encore étude",
        adjs="melodic upbeat haunting gentle loud soft syncopated acoustic electric orchestral cheerful "
        "mournful lively complex simple catchy classical jazzy lyrical dramatic warm",
        places="in_the_recording_studio on_stage at_the_concert_hall in_the_rehearsal_room "
        "at_a_summer_festival in_a_crowded_jazz_club during_the_encore in_the_back_row_of_the_orchestra "
        "at_the_piano",
        activities="learning_the_piano writing_songs playing_in_a_band singing_in_a_choir mixing_a_record "
        "conducting_an_orchestra",
        domains="thebackbeat.example scoresandsketches.example tunedlistening.example",
    ),
    _topic(
        "travel",
        agents="traveler tourist backpacker tour_guide pilot flight_attendant hotel_clerk travel_writer "
        "hiker ferry_captain cyclist local_host photographer commuter",
        verbs="book pack explore visit photograph rent cross reach navigate plan unpack follow board "
        "recommend discover postpone review cancel reserve catch",
        objects="suitcase passport train_ticket hostel guesthouse ferry hiking_trail itinerary/itineraries "
        "map mountain_pass coastal_road village museum harbor boarding_pass backpack city_tour rental_car "
        "night_bus border_crossing island campsite market_square travel_guide souvenir café "
        "château/châteaux",
        adjs="remote crowded scenic quiet cheap expensive charming rugged coastal historic bustling sleepy "
        "windy sunny snowy picturesque long overnight budget",
        places="at_the_airport on_the_night_train in_the_old_town along_the_coast at_the_border "
        "in_a_small_mountain_village on_the_ferry_deck in_the_hotel_lobby at_the_train_station "
        "near_the_harbor in_a_roadside_café",
        activities="traveling_on_a_budget backpacking_through_the_mountains planning_a_road_trip "
        "island_hopping traveling_by_train learning_local_phrases",
        domains="slowroadjournal.example passportandpack.example wanderledger.example",
    ),
    _topic(
        "medicine",
        agents="doctor nurse surgeon pharmacist paramedic patient physician therapist midwife/midwives "
        "radiologist researcher dentist medical_student caregiver",
        verbs="diagnose treat examine prescribe monitor vaccinate bandage measure screen test admit "
        "discharge refer sterilize disinfect assess manage prevent document recommend",
        objects="symptom fever infection vaccine prescription blood_test x-ray wound fracture dose "
        "allergy/allergies injury/injuries bandage stethoscope clinic_visit heart_rate blood_pressure "
        "medication treatment_plan checkup rash headache antibiotic scan surgery/surgeries "
        "chronic_condition diet sleep_schedule hospital_ward",
        adjs="chronic acute mild severe routine painful preventive sterile gentle clinical healthy "
        "contagious rare common swollen persistent minor careful urgent balanced effective",
        places="in_the_emergency_room at_the_local_clinic in_the_hospital_ward during_a_routine_checkup "
        "in_the_operating_theater at_the_pharmacy in_a_rural_health_center in_the_waiting_room "
        "on_the_night_shift",
        activities="managing_chronic_pain recovering_from_surgery preventing_infections improving_sleep "
        "caring_for_an_elderly_parent training_as_a_nurse",
        domains="clinicalnotebook.example thewardround.example healthandhabit.example",
    ),
)

TOPIC_NAMES: tuple[str, ...] = tuple(t.name for t in TOPICS)


def _split(spec: str) -> tuple[str, ...]:
    return tuple(w.replace("_", " ") for w in spec.split())


# Words shared by all topics.
CONNECTIVES = _split(
    "However, In_practice, For_this_reason, Meanwhile, As_a_result, On_the_other_hand, In_many_cases, "
    "At_the_same_time, Of_course, Surprisingly, Still, In_the_end, For_example, Over_time, Even_so, "
    "Later, Fortunately, Unfortunately, In_short, Because_of_this, Most_of_the_time, To_be_fair, "
    "Interestingly, By_contrast, First, Next, Finally, Oddly_enough, Without_doubt, Every_so_often,"
)
ADVERBS = _split(
    "carefully slowly quickly patiently gently often rarely usually always sometimes quietly proudly "
    "deliberately happily eagerly steadily briefly regularly occasionally confidently cautiously "
    "neatly calmly"
)
TIMES = _split(
    "every_morning on_weekends in_the_evening during_the_winter after_lunch before_dawn each_spring "
    "late_at_night in_early_autumn twice_a_week once_a_month at_the_start_of_the_season "
    "throughout_the_year on_rainy_days after_a_long_day in_the_summer every_few_weeks "
    "on_Sunday_afternoons at_the_end_of_the_month in_the_first_week"
)
PEOPLE = _split(
    "my_neighbor a_friend_of_mine my_uncle our_teacher an_old_colleague my_sister a_local_expert "
    "my_cousin a_retired_engineer our_landlord my_grandfather a_reader_named_Ada a_student_named_Tomas "
    "a_woman_named_Priya a_man_named_Oskar"
)
OPINIONS = _split(
    "useful important tricky rewarding surprising difficult helpful essential easy worthwhile common "
    "unusual sensible risky satisfying frustrating relaxing demanding"
)
NUMBERS = _split("two three four five six seven ten twelve a_dozen twenty several a_few")
UNITS = _split("minutes hours days weeks months")
SOURCES = _split(
    "a_recent_survey one_small_study the_local_club an_old_handbook most_experts a_popular_guide "
    "several_readers a_long-running_newsletter an_informal_poll a_university_report"
)
REASONS = _split(
    "because_it_saves_time because_the_weather_changes_quickly because_nobody_wants_to_start_over "
    "since_small_mistakes_add_up since_the_budget_is_limited because_habits_are_hard_to_break "
    "so_that_nothing_is_wasted so_that_the_results_are_easier_to_compare"
)
FEELINGS = _split("glad relieved surprised impressed disappointed curious proud amused")
AGENT_ADJS = _split(
    "experienced young patient busy careful retired local ambitious cheerful tired seasoned curious "
    "thoughtful nervous talented"
)
ATTITUDES = _split("careful fussy curious particular relaxed strict picky enthusiastic opinionated")
