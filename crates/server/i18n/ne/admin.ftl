# ne: नेपाली — नेभिगेसन र "मेरो काम" का कुञ्जीहरू मात्र; अरू अंग्रेजीमा देखिन्छन्।

## नेभिगेसन
nav-alert = सूचना पठाउनुहोस्
nav-alerts = सूचनाहरू
my-work-alerts = नयाँ सूचनाहरू ({ $count })
nav-dashboard = ड्यासबोर्ड
nav-directory = साझेदारहरू
nav-admin = प्रशासन
